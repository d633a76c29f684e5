package io.ntkstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Locale;

/**
 * One readable line per record of any ntkstream topic, recognized by its fields (so renamed topics
 * work): predictions, picks, meta (task scores, global choices), dead letters, models; anything else
 * (the input topics) as compact JSON.
 */
final class PrettyRecords {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_VALUES = 6;

    private PrettyRecords() {
    }

    static String format(String value) {
        JsonNode n;
        try {
            n = JSON.readTree(value);
        } catch (Exception e) {
            return "(not JSON) " + abbreviate(value, 200);
        }
        if (n == null || !n.isObject()) {
            return abbreviate(value, 200);
        }
        if (n.has("source_topic") && n.has("error")) {
            return String.format(Locale.ROOT, "dead letter  %s[%s]@%s  %s  raw: %s", n.path("source_topic").asText(),
                    n.path("partition").asText(), n.path("offset").asText(), n.path("error").asText(),
                    abbreviate(n.path("raw").asText(), 160));
        }
        if (n.has("picks") && n.has("n_train")) {
            StringBuilder b = new StringBuilder();
            b.append(n.path("task").asText()).append("  pick ").append(n.path("request_id").isNull() ? "(auto)"
                    : n.path("request_id").asText());
            if (n.hasNonNull("strategy")) {
                b.append(" (").append(n.path("strategy").asText()).append(')');
            }
            b.append(" →");
            JsonNode picks = n.path("picks");
            if (picks.isEmpty()) {
                b.append(" (none)");
            }
            for (int i = 0; i < picks.size(); i++) {
                b.append(i == 0 ? " " : ", ").append(picks.get(i).path("id").asText()).append(' ')
                        .append(num(picks.get(i).path("score").asDouble()));
            }
            b.append("  n_train=").append(n.path("n_train").asInt()).append(" pool=").append(n.path("pool_size").asInt())
                    .append(" v").append(n.path("model_version").asLong());
            return b.toString();
        }
        if (n.has("mean") && n.has("n_train")) {
            StringBuilder b = new StringBuilder();
            b.append(n.path("task").asText()).append("  ").append(n.path("id").asText());
            if (n.hasNonNull("label")) {
                b.append("  label=").append(n.path("label").asInt()).append(" p=").append(vector(n.path("probs")));
            } else {
                b.append("  mean=").append(vector(n.path("mean")));
            }
            b.append(" var=").append(num(n.path("variance").asDouble())).append("  n_train=")
                    .append(n.path("n_train").asInt()).append(" v").append(n.path("model_version").asLong());
            return b.toString();
        }
        if ("global".equals(n.path("kind").asText())) {
            return String.format(Locale.ROOT, "meta global  v%d  choice %s  over %d tasks (mean score %s)",
                    n.path("model_version").asLong(), hyper(n.path("ridge"), n.path("flow_time")),
                    n.path("tasks").asInt(), num(n.path("mean_score").asDouble()));
        }
        if ("task".equals(n.path("kind").asText())) {
            return String.format(Locale.ROOT, "meta task  %s  v%d n_train=%d  own best %s (score %s)  started from %s",
                    n.path("task").asText(), n.path("model_version").asLong(), n.path("n_train").asInt(),
                    hyper(n.path("best_ridge"), n.path("best_flow_time")), num(n.path("best_score").asDouble()),
                    hyper(n.path("ridge"), n.path("flow_time")));
        }
        if (n.has("params_uri") && n.has("version")) {
            String shape;
            try {
                shape = io.ntkstream.network.Architecture.parse(n.path("arch").toString()).shapeString();
            } catch (RuntimeException e) {
                shape = "(unreadable arch)";
            }
            return "model v" + n.path("version").asText() + "  " + shape + "  " + n.path("params_uri").asText();
        }
        return abbreviate(n.toString(), 300);
    }

    private static String hyper(JsonNode ridge, JsonNode flow) {
        if (flow != null && flow.isNumber()) {
            return "flow η·t=" + num(flow.asDouble());
        }
        return "ridge λ=" + num(ridge.asDouble());
    }

    private static String vector(JsonNode a) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < a.size() && i < MAX_VALUES; i++) {
            b.append(i == 0 ? "" : ", ").append(num(a.get(i).asDouble()));
        }
        if (a.size() > MAX_VALUES) {
            b.append(", … (").append(a.size()).append(')');
        }
        return b.append(']').toString();
    }

    static String num(double v) {
        if (v == 0 || Double.isNaN(v) || Double.isInfinite(v)) {
            return Double.toString(v);
        }
        double a = Math.abs(v);
        return a >= 1e-3 && a < 1e5 ? String.format(Locale.ROOT, "%.4g", v).replaceFirst("(\\.\\d*?)0+$", "$1")
                .replaceFirst("\\.$", "") : String.format(Locale.ROOT, "%.3e", v);
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }
}
