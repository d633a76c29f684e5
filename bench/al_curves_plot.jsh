// Averaged learning curves of bench/al_curves.sh: reads mean.csv (strategy,labeled,mean,std,n) and
// writes a PNG with one series per strategy, error bars = std over seeds (XChart from the jar).
// jshell --class-path flink-jobs/target/ntkstream.jar -R-Dal.mean=mean.csv -R-Dal.out=x.png bench/al_curves_plot.jsh
import java.nio.file.*;
import java.util.*;
import org.knowm.xchart.*;
import org.knowm.xchart.style.Styler;

var rows = Files.readAllLines(Path.of(System.getProperty("al.mean")));
var series = new LinkedHashMap<String, List<double[]>>();
for (String line : rows.subList(1, rows.size())) {
    String[] p = line.split(",");
    series.computeIfAbsent(p[0], k -> new ArrayList<>())
          .add(new double[] {Double.parseDouble(p[1]), Double.parseDouble(p[2]), Double.parseDouble(p[3])});
}
// (jshell ends a statement at a complete line: keep each statement on one line)
XYChart chart = new XYChartBuilder().width(900).height(560).title(System.getProperty("al.title", "Active learning")).xAxisTitle("labeled samples").yAxisTitle("test accuracy").build();
chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
chart.getStyler().setMarkerSize(5);
chart.getStyler().setErrorBarsColorSeriesColor(true);
int si = 0;
for (var e : series.entrySet()) {
    var pts = e.getValue();
    double[] x = new double[pts.size()], y = new double[pts.size()], err = new double[pts.size()];
    for (int i = 0; i < pts.size(); i++) {
        // Small horizontal offsets so the error bars of the strategies do not hide each other.
        x[i] = pts.get(i)[0] + 0.6 * (si - (series.size() - 1) / 2.0);
        y[i] = pts.get(i)[1];
        err[i] = pts.get(i)[2];
    }
    chart.addSeries(e.getKey(), x, y, err);
    si++;
}
BitmapEncoder.saveBitmap(chart, System.getProperty("al.out"), BitmapEncoder.BitmapFormat.PNG);
/exit
