package io.ntkstream.active;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The utility measures by name, each mapped to one factory. {@code lookahead} is the method of
 * this package; the others are the usual baselines.
 */
public enum AcquisitionKind {
    /** {@link LookaheadUtility}: change of the network if c got its most likely label (MLMOC). */
    LOOKAHEAD(true),
    /** {@link ExpectedLookaheadUtility}: the look-ahead averaged over labels by their probabilities. */
    EXPECTED(true),
    /** {@link VarianceUtility}: the posterior variance σ²(c). */
    VARIANCE(false),
    /** {@link MarginUtility}: 1 − (p₁ − p₂) of softmax(μ(c)). */
    MARGIN(true),
    /** {@link EntropyUtility}: entropy of softmax(μ(c)). */
    ENTROPY(true),
    /** {@link RandomUtility}: seeded uniform scores, the baseline. */
    RANDOM(false);

    private final boolean needsClasses;

    AcquisitionKind(boolean needsClasses) {
        this.needsClasses = needsClasses;
    }

    /** Only meaningful for classification (class probabilities or most likely labels). */
    public boolean needsClasses() {
        return needsClasses;
    }

    /** The measure with the default aggregation ({@link Aggregation#MAX}, MLMOC's). */
    public UtilityMeasure measure(long seed) {
        return measure(seed, Aggregation.MAX);
    }

    /** The measure; {@code seed} is used by {@link #RANDOM}, {@code aggregation} by the look-aheads. */
    public UtilityMeasure measure(long seed, Aggregation aggregation) {
        return switch (this) {
            case LOOKAHEAD -> new LookaheadUtility(aggregation);
            case EXPECTED -> new ExpectedLookaheadUtility(aggregation);
            case VARIANCE -> new VarianceUtility();
            case MARGIN -> new MarginUtility();
            case ENTROPY -> new EntropyUtility();
            case RANDOM -> new RandomUtility(seed);
        };
    }

    /** Lower-case name, as on the command line and in CSV files. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** "lookahead, expected, variance, margin, entropy, random". */
    public static String validNames() {
        return Arrays.stream(values()).map(AcquisitionKind::cliName).collect(Collectors.joining(", "));
    }

    /** The kind named {@code name} (case-insensitive); an error listing the valid names otherwise. */
    public static AcquisitionKind parse(String name) {
        if (name != null) {
            for (AcquisitionKind k : values()) {
                if (k.cliName().equals(name.trim().toLowerCase(Locale.ROOT))) {
                    return k;
                }
            }
        }
        throw new IllegalArgumentException("unknown acquisition strategy '" + name + "'; valid: " + validNames());
    }
}
