package io.ntkstream.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A network's architecture, as in the architecture JSON:
 * <pre>{"input_dim":784,"parametrization":"ntk","sigma_w":1.0,"sigma_b":0.1,
 *  "layers":[{"type":"dense","out":512},{"type":"relu"},{"type":"dense","out":10}]}</pre>
 * Layers are listed like a PyTorch {@code nn.Sequential}: activations count as entries, so the
 * dense layer at index i owns tensors {@code "{i}.weight"} and {@code "{i}.bias"}.
 */
public record Architecture(int inputDim, Parametrization parametrization, double sigmaW, double sigmaB,
                           List<LayerSpec> layers) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TOP_LEVEL = Set.of("input_dim", "parametrization", "sigma_w", "sigma_b", "layers");

    public Architecture {
        if (inputDim <= 0) {
            throw new IllegalArgumentException("input_dim must be a positive integer, got " + inputDim);
        }
        if (!(sigmaW > 0) || !Double.isFinite(sigmaW)) {
            throw new IllegalArgumentException("sigma_w must be a finite number > 0, got " + sigmaW);
        }
        if (!(sigmaB >= 0) || !Double.isFinite(sigmaB)) {
            throw new IllegalArgumentException("sigma_b must be a finite number >= 0, got " + sigmaB);
        }
        layers = List.copyOf(layers);
        if (layers.stream().noneMatch(l -> l instanceof LayerSpec.Dense)) {
            throw new IllegalArgumentException("layers must contain at least one {\"type\":\"dense\"} layer");
        }
    }

    /** Number of network outputs O (the width of the last dense layer). */
    public int outputDim() {
        int dim = inputDim;
        for (LayerSpec l : layers) {
            if (l instanceof LayerSpec.Dense d) {
                dim = d.out();
            }
        }
        return dim;
    }

    /** Human-readable widths, e.g. {@code 784-1024-1024-10}. */
    public String shapeString() {
        StringBuilder sb = new StringBuilder().append(inputDim);
        for (LayerSpec l : layers) {
            if (l instanceof LayerSpec.Dense d) {
                sb.append('-').append(d.out());
            }
        }
        return sb.toString();
    }

    /** An MLP: {@code depth} hidden dense layers of {@code width}, each followed by {@code act}, then a dense output layer. */
    public static Architecture mlp(int inputDim, int width, int depth, int outputs, Activation act,
                                   Parametrization p, double sigmaW, double sigmaB) {
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            layers.add(new LayerSpec.Dense(width, true));
            layers.add(new LayerSpec.Elementwise(act));
        }
        layers.add(new LayerSpec.Dense(outputs, true));
        return new Architecture(inputDim, p, sigmaW, sigmaB, layers);
    }

    public static Architecture read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("architecture file not found: " + file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read architecture file " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public static Architecture parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("architecture is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("architecture must be a JSON object");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!TOP_LEVEL.contains(f)) {
                throw new IllegalArgumentException("unknown field \"" + f + "\"; expected " + TOP_LEVEL);
            }
        }
        int inputDim = requiredInt(root, "input_dim", "architecture");
        Parametrization p = root.has("parametrization")
                ? Parametrization.parse(root.get("parametrization").asText()) : Parametrization.NTK;
        double sigmaW = optionalDouble(root, "sigma_w", 1.0);
        double sigmaB = optionalDouble(root, "sigma_b", 0.0);
        JsonNode layersNode = root.get("layers");
        if (layersNode == null || !layersNode.isArray() || layersNode.isEmpty()) {
            throw new IllegalArgumentException("\"layers\" must be a non-empty array of layer objects");
        }
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 0; i < layersNode.size(); i++) {
            layers.add(parseLayer(layersNode.get(i), i));
        }
        return new Architecture(inputDim, p, sigmaW, sigmaB, layers);
    }

    private static LayerSpec parseLayer(JsonNode node, int index) {
        String where = "layers[" + index + "]";
        if (!node.isObject() || !node.has("type")) {
            throw new IllegalArgumentException(where + " must be an object with a \"type\"");
        }
        String type = node.get("type").asText();
        if (type.equals("dense")) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!Set.of("type", "out", "bias").contains(f)) {
                    throw new IllegalArgumentException(where + ": unknown field \"" + f + "\" for a dense layer; expected type, out, bias");
                }
            }
            int out = requiredInt(node, "out", where);
            boolean bias = !node.has("bias") || node.get("bias").asBoolean(true);
            try {
                return new LayerSpec.Dense(out, bias);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage());
            }
        }
        if (Activation.isActivation(type)) {
            if (node.size() != 1) {
                throw new IllegalArgumentException(where + ": activation \"" + type + "\" takes no other fields");
            }
            return new LayerSpec.Elementwise(Activation.fromJsonName(type));
        }
        throw new IllegalArgumentException(where + ": unknown layer type \"" + type + "\"; supported: dense, "
                + Activation.names());
    }

    private static int requiredInt(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" must be an integer, got "
                    + (v == null ? "nothing" : v.toString()));
        }
        return v.intValue();
    }

    private static double optionalDouble(JsonNode node, String field, double dflt) {
        JsonNode v = node.get(field);
        if (v == null) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("\"" + field + "\" must be a number, got " + v);
        }
        return v.doubleValue();
    }

    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("input_dim", inputDim);
        root.put("parametrization", parametrization.name().toLowerCase(java.util.Locale.ROOT));
        root.put("sigma_w", sigmaW);
        root.put("sigma_b", sigmaB);
        ArrayNode arr = root.putArray("layers");
        for (LayerSpec l : layers) {
            ObjectNode o = arr.addObject();
            if (l instanceof LayerSpec.Dense d) {
                o.put("type", "dense").put("out", d.out());
                if (!d.bias()) {
                    o.put("bias", false);
                }
            } else if (l instanceof LayerSpec.Elementwise e) {
                o.put("type", e.activation().jsonName());
            }
        }
        return root.toString();
    }
}
