package io.ntkstream.cli;

import io.ntkstream.active.LabeledSamples;
import io.ntkstream.active.SyntheticData;
import io.ntkstream.data.DType;
import io.ntkstream.data.Npy;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "synthetic-classes", mixinStandardHelpOptions = true,
        description = {
            "Writes a seeded synthetic classification problem as .npy files, for trying al-sim and regress --classes:",
            "<prefix>_x.npy (N, dim) float64 and <prefix>_y.npy (N,) int64 class indices.",
            "",
            "Each class is a mixture of --clusters Gaussian clusters; centers ~ N(0, separation²·I), samples ~ "
                + "N(center, spread²·I). --problem-seed fixes the problem, --seed the draw (use the same problem seed "
                + "and another seed for a test set)."})
final class SyntheticClassesCommand implements Callable<Integer> {

    @Option(names = "--n", required = true, description = "Number of samples N.")
    int n;

    @Option(names = "--classes", defaultValue = "3", description = "Classes (default: ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--clusters", defaultValue = "2", description = "Clusters per class (default: ${DEFAULT-VALUE}).")
    int clusters;

    @Option(names = "--dim", defaultValue = "2", description = "Features per sample (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--separation", defaultValue = "2.0", description = "Spread of cluster centers (default: ${DEFAULT-VALUE}).")
    double separation;

    @Option(names = "--spread", defaultValue = "0.6", description = "Spread within a cluster (default: ${DEFAULT-VALUE}).")
    double spread;

    @Option(names = "--problem-seed", defaultValue = "0", description = "Seed of the problem (cluster centers) (default: ${DEFAULT-VALUE}).")
    long problemSeed;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the samples (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, description = "Output prefix: writes <prefix>_x.npy and <prefix>_y.npy.")
    String prefix;

    @Override
    public Integer call() {
        if (n <= 0) {
            throw new IllegalArgumentException("--n must be positive, got " + n);
        }
        LabeledSamples data = SyntheticData.generate(
                new SyntheticData.Spec(classes, clusters, dim, separation, spread), n, problemSeed, seed);
        double[] x = new double[n * dim];
        for (int i = 0; i < n; i++) {
            System.arraycopy(data.x()[i], 0, x, i * dim, dim);
        }
        long[] labels = data.longLabels();
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = labels[i];
        }
        Path xFile = Path.of(prefix + "_x.npy");
        Path yFile = Path.of(prefix + "_y.npy");
        Npy.write(xFile, new int[] {n, dim}, x, DType.FLOAT64);
        Npy.write(yFile, new int[] {n}, y, DType.INT64);
        System.out.println("{\"command\":\"synthetic-classes\",\"n\":" + n + ",\"dim\":" + dim + ",\"classes\":" + classes
                + ",\"x\":\"" + xFile + "\",\"y\":\"" + yFile + "\"}");
        return 0;
    }
}
