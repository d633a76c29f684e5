package io.ntkstream.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Minimal parser for the Python literal in an npy header: dicts, strings, integers, True/False/None,
 * tuples and lists. Produces Map, String, Long, Boolean, null and List.
 */
final class PyLiteral {
    private final String s;
    private int pos;

    private PyLiteral(String s) {
        this.s = s;
    }

    /** Parses one literal; trailing whitespace is allowed, anything else is an error. */
    static Object parse(String text) {
        PyLiteral p = new PyLiteral(text);
        Object v = p.value();
        p.ws();
        if (p.pos != text.length()) {
            throw p.error("unexpected text after the literal");
        }
        return v;
    }

    private Object value() {
        ws();
        if (pos >= s.length()) {
            throw error("unexpected end");
        }
        char c = s.charAt(pos);
        return switch (c) {
            case '{' -> dict();
            case '(' -> sequence('(', ')');
            case '[' -> sequence('[', ']');
            case '\'', '"' -> string();
            default -> {
                if (c == '-' || c == '+' || Character.isDigit(c)) {
                    yield integer();
                }
                yield word();
            }
        };
    }

    private Map<String, Object> dict() {
        pos++;
        Map<String, Object> m = new LinkedHashMap<>();
        while (true) {
            ws();
            if (peek('}')) {
                pos++;
                return m;
            }
            Object k = value();
            if (!(k instanceof String key)) {
                throw error("dict keys must be strings");
            }
            ws();
            expect(':');
            m.put(key, value());
            ws();
            if (peek(',')) {
                pos++;
            } else if (!peek('}')) {
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> sequence(char open, char close) {
        pos++;
        List<Object> l = new ArrayList<>();
        while (true) {
            ws();
            if (peek(close)) {
                pos++;
                return l;
            }
            l.add(value());
            ws();
            if (peek(',')) {
                pos++;
            } else if (!peek(close)) {
                throw error("expected ',' or '" + close + "'");
            }
        }
    }

    private String string() {
        char q = s.charAt(pos++);
        StringBuilder b = new StringBuilder();
        while (pos < s.length()) {
            char c = s.charAt(pos++);
            if (c == q) {
                return b.toString();
            }
            if (c == '\\' && pos < s.length()) {
                c = s.charAt(pos++);
            }
            b.append(c);
        }
        throw error("unterminated string");
    }

    private Long integer() {
        int start = pos;
        if (s.charAt(pos) == '-' || s.charAt(pos) == '+') {
            pos++;
        }
        while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
            pos++;
        }
        String digits = s.substring(start, pos);
        if (pos < s.length() && (s.charAt(pos) == 'L' || s.charAt(pos) == 'l')) {
            pos++; // Python 2 long suffix
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw error("bad integer '" + digits + "'");
        }
    }

    private Object word() {
        int start = pos;
        while (pos < s.length() && Character.isLetter(s.charAt(pos))) {
            pos++;
        }
        String w = s.substring(start, pos);
        return switch (w) {
            case "True" -> Boolean.TRUE;
            case "False" -> Boolean.FALSE;
            case "None" -> null;
            default -> {
                pos = start;
                throw error("unexpected token");
            }
        };
    }

    private void ws() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }

    private boolean peek(char c) {
        return pos < s.length() && s.charAt(pos) == c;
    }

    private void expect(char c) {
        if (!peek(c)) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at character " + pos);
    }
}
