package io.ntkstream.cli.demo;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table: a header and rows, columns padded; numbers right-aligned. */
final class TextTable {
    private final List<String[]> rows = new ArrayList<>();
    private final String[] header;

    TextTable(String... header) {
        this.header = header;
    }

    TextTable row(Object... cells) {
        String[] r = new String[header.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "";
        }
        rows.add(r);
        return this;
    }

    /** The table, each line indented by {@code indent}. */
    String render(String indent) {
        int[] width = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            width[i] = header[i].length();
            for (String[] r : rows) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        line(b, indent, header, width, false);
        StringBuilder rule = new StringBuilder(indent);
        for (int i = 0; i < width.length; i++) {
            rule.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
        }
        b.append(rule).append('\n');
        for (String[] r : rows) {
            line(b, indent, r, width, true);
        }
        return b.toString();
    }

    private static void line(StringBuilder b, String indent, String[] cells, int[] width, boolean alignNumbers) {
        b.append(indent);
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i];
            boolean number = alignNumbers && !c.isEmpty() && c.matches("[-+]?[0-9.,]+(e[-+]?[0-9]+)?( ?[%x×s])?");
            String pad = " ".repeat(width[i] - c.length());
            b.append(i == 0 ? "" : "  ").append(number ? pad + c : c + (i == cells.length - 1 ? "" : pad));
        }
        b.append('\n');
    }
}
