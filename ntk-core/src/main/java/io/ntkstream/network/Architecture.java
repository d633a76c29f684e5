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
 *
 * <p>Convolutional networks give the shape of one sample, {@code "input_shape": [C, H, W]}
 * (images, NCHW) or {@code [C, L]} (sequences, NCL); {@code input_dim} is then optional (C·H·W):
 * <pre>{"input_shape":[3,32,32],"parametrization":"ntk","sigma_w":1.4,"sigma_b":0.1,
 *  "layers":[{"type":"conv2d","out":16,"kernel":3,"padding":1},{"type":"relu"},
 *            {"type":"avg_pool","kernel":2},{"type":"conv2d","out":32,"kernel":3,"stride":2},
 *            {"type":"relu"},{"type":"global_avg_pool"},{"type":"flatten"},{"type":"dense","out":10}]}</pre>
 * Each layer's shape follows from the one before ({@link LayerSpec#outShape}); the last layer's
 * output must be flat (O outputs).
 */
public record Architecture(int inputDim, Parametrization parametrization, double sigmaW, double sigmaB,
                           List<LayerSpec> layers, TensorShape inputShape) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TOP_LEVEL = Set.of("input_dim", "input_shape", "parametrization", "sigma_w",
            "sigma_b", "layers");

    public Architecture {
        if (inputShape == null) {
            if (inputDim <= 0) {
                throw new IllegalArgumentException("input_dim must be a positive integer, got " + inputDim);
            }
            inputShape = TensorShape.of(inputDim);
        } else if (inputShape.size() != inputDim) {
            throw new IllegalArgumentException("input_dim (" + inputDim + ") must equal the product of input_shape "
                    + inputShape.toList() + " (" + inputShape.size() + ")");
        }
        if (!(sigmaW > 0) || !Double.isFinite(sigmaW)) {
            throw new IllegalArgumentException("sigma_w must be a finite number > 0, got " + sigmaW);
        }
        if (!(sigmaB >= 0) || !Double.isFinite(sigmaB)) {
            throw new IllegalArgumentException("sigma_b must be a finite number >= 0, got " + sigmaB);
        }
        layers = List.copyOf(layers);
        if (layers.stream().noneMatch(LayerSpec::hasParameters)) {
            throw new IllegalArgumentException("layers must contain at least one layer with parameters "
                    + "({\"type\":\"dense\"}, conv1d, conv2d, embedding, attention, positional_embedding, or a norm layer or residual block holding some)");
        }
        TensorShape shape = inputShape;
        for (int i = 0; i < layers.size(); i++) {
            try {
                shape = layers.get(i).outShape(shape);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layers[" + i + "]: " + e.getMessage(), e);
            }
        }
        if (!shape.isFlat()) {
            throw new IllegalArgumentException("the last layer's output must be flat (the O outputs), got samples of shape "
                    + shape + "; end with {\"type\":\"flatten\"} or a dense layer");
        }
    }

    /** A network on flat inputs of {@code inputDim} features. */
    public Architecture(int inputDim, Parametrization parametrization, double sigmaW, double sigmaB,
                        List<LayerSpec> layers) {
        this(inputDim, parametrization, sigmaW, sigmaB, layers, null);
    }

    /**
     * What one input sample is, for messages: "input_dim = 4 values", or for shaped samples
     * "input_dim = 72 values (a 2x6x6 sample, flattened in C order)".
     */
    public String inputDescription() {
        return "input_dim = " + inputDim + " values" + (inputShape.rank() > 1
                ? " (a " + inputShape + " sample, flattened in C order)" : "");
    }

    /** A network on samples of {@code inputShape} ([D], [C, L] or [C, H, W]). */
    public Architecture(TensorShape inputShape, Parametrization parametrization, double sigmaW, double sigmaB,
                        List<LayerSpec> layers) {
        this(inputShape.size(), parametrization, sigmaW, sigmaB, layers, inputShape);
    }

    /** The shape of a sample entering layer {@code layer} (layer = layers().size(): the output). */
    public TensorShape shapeBefore(int layer) {
        TensorShape shape = inputShape;
        for (int i = 0; i < layer; i++) {
            shape = layers.get(i).outShape(shape);
        }
        return shape;
    }

    /** Number of network outputs O (the size of the last layer's output). */
    public int outputDim() {
        return shapeBefore(layers.size()).size();
    }

    /**
     * Human-readable widths, e.g. {@code 784-1024-1024-10}; convolutions appear as
     * {@code conv2d:16}, the input as its shape: {@code 3x32x32-conv2d:16-conv2d:32-10}.
     */
    public String shapeString() {
        StringBuilder sb = new StringBuilder().append(inputShape);
        appendShapes(sb, layers);
        return sb.toString();
    }

    private static void appendShapes(StringBuilder sb, List<LayerSpec> layers) {
        for (LayerSpec l : layers) {
            if (l instanceof LayerSpec.Dense d) {
                sb.append('-').append(d.out());
            } else if (l instanceof LayerSpec.Conv c) {
                sb.append('-').append(c.type()).append(':').append(c.out());
            } else if (l instanceof LayerSpec.Embedding e) {
                sb.append("-emb:").append(e.dim());
            } else if (l instanceof LayerSpec.Attention a) {
                sb.append("-attn:").append(a.numHeads()).append(a.causal() ? "c" : "");
            } else if (l instanceof LayerSpec.Residual r) {
                sb.append("-res(");
                StringBuilder inner = new StringBuilder();
                appendShapes(inner, r.layers());
                sb.append(inner.length() > 0 ? inner.substring(1) : "").append(')');
            }
        }
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
        TensorShape inputShape = null;
        if (root.has("input_shape")) {
            List<Integer> dims = intList(root, "input_shape", "architecture", 3);
            try {
                inputShape = TensorShape.of(dims);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("\"input_shape\": " + e.getMessage());
            }
        }
        int inputDim = inputShape != null && !root.has("input_dim") ? inputShape.size()
                : requiredInt(root, "input_dim", "architecture");
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
            layers.add(parseLayer(layersNode.get(i), "layers[" + i + "]"));
        }
        return new Architecture(inputDim, p, sigmaW, sigmaB, layers, inputShape);
    }

    private static LayerSpec parseLayer(JsonNode node, String where) {
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
        try {
            switch (type) {
                case "conv1d", "conv2d" -> {
                    int dims = type.equals("conv1d") ? 1 : 2;
                    onlyFields(node, where, type, "type", "out", "kernel", "stride", "padding", "dilation", "groups", "bias");
                    return new LayerSpec.Conv(dims, requiredInt(node, "out", where), intList(node, "kernel", where, dims),
                            optionalIntList(node, "stride", where, dims, 1), optionalIntList(node, "padding", where, dims, 0),
                            optionalIntList(node, "dilation", where, dims, 1),
                            node.has("groups") ? requiredInt(node, "groups", where) : 1,
                            !node.has("bias") || node.get("bias").asBoolean(true));
                }
                case "avg_pool", "max_pool" -> {
                    onlyFields(node, where, type, "type", "kernel", "stride", "padding");
                    return new LayerSpec.Pool(type.equals("avg_pool") ? LayerSpec.PoolKind.AVG : LayerSpec.PoolKind.MAX,
                            intList(node, "kernel", where, 2),
                            node.has("stride") ? intList(node, "stride", where, 2) : null,
                            optionalIntList(node, "padding", where, 2, 0));
                }
                case "global_avg_pool" -> {
                    onlyFields(node, where, type, "type");
                    return new LayerSpec.GlobalAvgPool();
                }
                case "flatten" -> {
                    onlyFields(node, where, type, "type");
                    return new LayerSpec.Flatten();
                }
                case "residual" -> {
                    onlyFields(node, where, type, "type", "layers", "shortcut", "scale");
                    JsonNode branch = node.get("layers");
                    if (branch == null || !branch.isArray() || branch.isEmpty()) {
                        throw new IllegalArgumentException(where + ": \"layers\" of a residual block must be a non-empty array");
                    }
                    JsonNode shortcut = node.get("shortcut");
                    if (shortcut != null && !shortcut.isArray()) {
                        throw new IllegalArgumentException(where + ": \"shortcut\" must be an array of layers ([] = identity)");
                    }
                    return new LayerSpec.Residual(parseLayers(branch, where + ".layers"),
                            shortcut == null ? List.of() : parseLayers(shortcut, where + ".shortcut"),
                            optionalDouble(node, "scale", 1.0));
                }
                case "layer_norm" -> {
                    onlyFields(node, where, type, "type", "eps", "affine", "over");
                    String over = node.has("over") ? node.get("over").asText() : "all";
                    if (!over.equals("all") && !over.equals("last")) {
                        throw new IllegalArgumentException(where + ": \"over\" must be \"all\" (every feature of a sample) or "
                                + "\"last\" (each position over the last axis), got " + node.get("over"));
                    }
                    return new LayerSpec.LayerNorm(optionalDouble(node, "eps", 1e-5),
                            !node.has("affine") || node.get("affine").asBoolean(true), over.equals("last"));
                }
                case "batch_norm" -> {
                    onlyFields(node, where, type, "type", "eps", "affine");
                    return new LayerSpec.BatchNorm(optionalDouble(node, "eps", 1e-5),
                            !node.has("affine") || node.get("affine").asBoolean(true));
                }
                case "embedding" -> {
                    onlyFields(node, where, type, "type", "num_embeddings", "embedding_dim");
                    return new LayerSpec.Embedding(requiredInt(node, "num_embeddings", where),
                            requiredInt(node, "embedding_dim", where));
                }
                case "attention" -> {
                    onlyFields(node, where, type, "type", "num_heads", "bias", "causal");
                    return new LayerSpec.Attention(requiredInt(node, "num_heads", where),
                            !node.has("bias") || node.get("bias").asBoolean(true), optionalBoolean(node, "causal", where, false));
                }
                case "positional_embedding" -> {
                    onlyFields(node, where, type, "type");
                    return new LayerSpec.PositionalEmbedding();
                }
                case "positional_encoding" -> {
                    onlyFields(node, where, type, "type");
                    return new LayerSpec.PositionalEncoding();
                }
                default -> {
                }
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().startsWith(where) ? e.getMessage() : where + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException(where + ": unknown layer type \"" + type + "\"; supported: dense, conv1d, conv2d, "
                + "avg_pool, max_pool, global_avg_pool, flatten, residual, layer_norm, batch_norm, embedding, attention, "
                + "positional_embedding, positional_encoding, " + Activation.names());
    }

    private static List<LayerSpec> parseLayers(JsonNode array, String where) {
        List<LayerSpec> out = new ArrayList<>();
        for (int j = 0; j < array.size(); j++) {
            out.add(parseLayer(array.get(j), where + "[" + j + "]"));
        }
        return out;
    }

    private static void onlyFields(JsonNode node, String where, String type, String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!ok.contains(f)) {
                throw new IllegalArgumentException(where + ": unknown field \"" + f + "\" for a " + type + " layer; expected "
                        + String.join(", ", allowed));
            }
        }
    }

    /** An integer, or a list of 1..maxLength integers. */
    private static List<Integer> intList(JsonNode node, String field, String where, int maxLength) {
        JsonNode v = node.get(field);
        if (v != null && v.isIntegralNumber() && v.canConvertToInt()) {
            return List.of(v.intValue());
        }
        if (v != null && v.isArray() && !v.isEmpty() && v.size() <= maxLength) {
            List<Integer> out = new ArrayList<>();
            for (JsonNode e : v) {
                if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                    throw new IllegalArgumentException(where + ": \"" + field + "\" must hold integers, got " + v);
                }
                out.add(e.intValue());
            }
            return out;
        }
        throw new IllegalArgumentException(where + ": \"" + field + "\" must be an integer"
                + (maxLength > 1 ? " or a list of up to " + maxLength + " integers" : "") + ", got "
                + (v == null ? "nothing" : v.toString()));
    }

    private static List<Integer> optionalIntList(JsonNode node, String field, String where, int maxLength, int dflt) {
        return node.has(field) ? intList(node, field, where, maxLength) : List.of(dflt);
    }

    private static int requiredInt(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" must be an integer, got "
                    + (v == null ? "nothing" : v.toString()));
        }
        return v.intValue();
    }

    private static boolean optionalBoolean(JsonNode node, String field, String where, boolean dflt) {
        JsonNode v = node.get(field);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" must be true or false, got " + v);
        }
        return v.booleanValue();
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
        if (!inputShape.isFlat()) {
            ArrayNode shape = root.putArray("input_shape");
            inputShape.toList().forEach(shape::add);
        }
        root.put("input_dim", inputDim);
        root.put("parametrization", parametrization.name().toLowerCase(java.util.Locale.ROOT));
        root.put("sigma_w", sigmaW);
        root.put("sigma_b", sigmaB);
        putLayers(root.putArray("layers"), layers);
        return root.toString();
    }

    private static void putLayers(ArrayNode arr, List<LayerSpec> layers) {
        for (LayerSpec l : layers) {
            ObjectNode o = arr.addObject();
            o.put("type", l.type());
            if (l instanceof LayerSpec.Dense d) {
                o.put("out", d.out());
                if (!d.bias()) {
                    o.put("bias", false);
                }
            } else if (l instanceof LayerSpec.Conv c) {
                o.put("out", c.out());
                putList(o, "kernel", c.kernel());
                putList(o, "stride", c.stride());
                putList(o, "padding", c.padding());
                putList(o, "dilation", c.dilation());
                o.put("groups", c.groups());
                if (!c.bias()) {
                    o.put("bias", false);
                }
            } else if (l instanceof LayerSpec.Pool p) {
                putList(o, "kernel", p.kernel());
                putList(o, "stride", p.stride());
                putList(o, "padding", p.padding());
            } else if (l instanceof LayerSpec.Residual r) {
                putLayers(o.putArray("layers"), r.layers());
                putLayers(o.putArray("shortcut"), r.shortcut());
                o.put("scale", r.scale());
            } else if (l instanceof LayerSpec.LayerNorm n) {
                o.put("eps", n.eps());
                o.put("affine", n.affine());
                if (n.overLast()) {
                    o.put("over", "last");
                }
            } else if (l instanceof LayerSpec.BatchNorm n) {
                o.put("eps", n.eps());
                o.put("affine", n.affine());
            } else if (l instanceof LayerSpec.Embedding e) {
                o.put("num_embeddings", e.numEmbeddings());
                o.put("embedding_dim", e.dim());
            } else if (l instanceof LayerSpec.Attention a) {
                o.put("num_heads", a.numHeads());
                if (!a.bias()) {
                    o.put("bias", false);
                }
                if (a.causal()) {
                    o.put("causal", true);
                }
            }
        }
    }

    private static void putList(ObjectNode o, String field, List<Integer> values) {
        if (values.size() == 1) {
            o.put(field, values.get(0));
        } else {
            ArrayNode a = o.putArray(field);
            values.forEach(a::add);
        }
    }
}
