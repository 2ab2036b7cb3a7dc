package dev.adjoint.examples

import dev.adjoint.dsl.History
import dev.adjoint.nn.Dataset
import dev.adjoint.nn.Model
import dev.adjoint.nn.Trainer
import java.awt.BasicStroke
import java.awt.Color
import java.awt.Font
import java.awt.RenderingHints
import java.awt.geom.Ellipse2D
import java.awt.image.BufferedImage
import java.nio.file.Path
import java.util.Locale
import javax.imageio.ImageIO
import kotlin.math.ceil
import kotlin.math.floor
import org.knowm.xchart.BitmapEncoder
import org.knowm.xchart.XYChartBuilder
import org.knowm.xchart.style.Styler
import org.knowm.xchart.style.markers.SeriesMarkers

/** The tour's pictures. */
object Plots {
    private val NEGATIVE_REGION = Color(0x9E, 0xCA, 0xE1)
    private val POSITIVE_REGION = Color(0xFD, 0xC0, 0x8C)
    private val NEGATIVE_POINT = Color(0x31, 0x62, 0xA8)
    private val POSITIVE_POINT = Color(0xD7, 0x30, 0x27)

    /** Region and point colours of up to six classes (light, dark). */
    private val PALETTE = listOf(
        NEGATIVE_REGION to NEGATIVE_POINT,
        POSITIVE_REGION to POSITIVE_POINT,
        Color(0xB8, 0xE1, 0x86) to Color(0x1B, 0x9E, 0x3E),
        Color(0xD9, 0xC2, 0xE8) to Color(0x76, 0x3F, 0xA8),
        Color(0xFF, 0xE9, 0x9A) to Color(0xB8, 0x86, 0x0B),
        Color(0xC7, 0xC7, 0xC7) to Color(0x44, 0x44, 0x44),
    )

    /**
     * The model's decision regions over the data's bounding box (a one-output model: score > 0 is
     * class 1, else class 0; k outputs: the largest), the boundaries between them, the points
     * coloured by class, and a legend naming the classes: micrograd's moon_mlp.png.
     */
    fun decisionBoundary(model: Model, data: Dataset, file: Path, title: String, classNames: List<String>): Path {
        require(classNames.size in 2..PALETTE.size) { "decisionBoundary: ${classNames.size} classes; it draws 2 to ${PALETTE.size}" }
        fun classOf(out: DoubleArray): Int = if (out.size == 1) (if (out[0] > 0) 1 else 0) else out.indices.maxByOrNull { out[it] }!!
        fun classOfLabel(y: Double): Int = if (model.outputs() == 1) (if (y > 0) 1 else 0) else y.toInt()
        val w = 720
        val h = 600
        val left = 70
        val right = 30
        val top = 50
        val bottom = 60
        val pw = w - left - right
        val ph = h - top - bottom
        val xs = (0 until data.size()).map { data.x(it) }
        val x0 = floor(xs.minOf { it[0] } - 0.5)
        val x1 = ceil(xs.maxOf { it[0] } + 0.5)
        val y0 = floor(xs.minOf { it[1] } - 0.5)
        val y1 = ceil(xs.maxOf { it[1] } + 0.5)
        fun px(x: Double) = left + (x - x0) / (x1 - x0) * pw
        fun py(y: Double) = top + (y1 - y) / (y1 - y0) * ph

        val img = BufferedImage(w, h, BufferedImage.TYPE_INT_RGB)
        val g = img.createGraphics()
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON)
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON)
        g.color = Color.WHITE
        g.fillRect(0, 0, w, h)

        // regions: the predicted class on a grid of 3-pixel cells
        val cell = 3
        val cols = (pw + cell - 1) / cell
        val rows = (ph + cell - 1) / cell
        val grid = Array(rows * cols) { i ->
            doubleArrayOf(x0 + (i % cols + 0.5) * cell / pw * (x1 - x0), y1 - (i / cols + 0.5) * cell / ph * (y1 - y0))
        }
        val predicted = Trainer.predict(model, grid)
        val region = Array(rows) { r -> IntArray(cols) { c -> classOf(predicted[r * cols + c]) } }
        for (r in 0 until rows) for (c in 0 until cols) {
            g.color = PALETTE[region[r][c]].first
            g.fillRect(left + c * cell, top + r * cell, minOf(cell, pw - c * cell), minOf(cell, ph - r * cell))
        }
        // the boundaries: cell edges where the class changes
        g.color = Color(0x44, 0x44, 0x44)
        for (r in 0 until rows) for (c in 0 until cols) {
            if (c + 1 < cols && region[r][c] != region[r][c + 1]) g.fillRect(left + (c + 1) * cell - 1, top + r * cell, 2, cell)
            if (r + 1 < rows && region[r][c] != region[r + 1][c]) g.fillRect(left + c * cell, top + (r + 1) * cell - 1, cell, 2)
        }
        // points
        val dotSize = if (data.size() > 200) 8.0 else 12.0
        for (i in 0 until data.size()) {
            val p = xs[i]
            val dot = Ellipse2D.Double(px(p[0]) - dotSize / 2, py(p[1]) - dotSize / 2, dotSize, dotSize)
            g.color = PALETTE[classOfLabel(data.y(i))].second
            g.fill(dot)
            g.color = Color.BLACK
            g.stroke = BasicStroke(1f)
            g.draw(dot)
        }
        // frame, ticks, labels
        g.color = Color.BLACK
        g.drawRect(left, top, pw, ph)
        g.font = Font(Font.SANS_SERIF, Font.PLAIN, 13)
        val fm = g.fontMetrics
        for (t in ticks(x0, x1)) {
            val x = px(t).toInt()
            g.drawLine(x, top + ph, x, top + ph + 5)
            val s = label(t)
            g.drawString(s, x - fm.stringWidth(s) / 2, top + ph + 20)
        }
        for (t in ticks(y0, y1)) {
            val y = py(t).toInt()
            g.drawLine(left - 5, y, left, y)
            val s = label(t)
            g.drawString(s, left - 9 - fm.stringWidth(s), y + fm.ascent / 2 - 1)
        }
        g.drawString("x1", left + pw / 2 - fm.stringWidth("x1") / 2, h - 18)
        g.drawString("x2", 14, top + ph / 2)
        // legend: one swatch per class, top right inside the frame
        val line = fm.height + 4
        val legendW = 24 + classNames.maxOf { fm.stringWidth(it) } + 16
        val legendH = classNames.size * line + 10
        val lx = left + pw - legendW - 10
        val ly = top + 10
        g.color = Color(255, 255, 255, 230)
        g.fillRect(lx, ly, legendW, legendH)
        g.color = Color.BLACK
        g.drawRect(lx, ly, legendW, legendH)
        classNames.forEachIndexed { i, name ->
            val cy = ly + 6 + i * line
            val swatch = Ellipse2D.Double(lx + 8.0, cy + (line - 12) / 2.0, 12.0, 12.0)
            g.color = PALETTE[i].second
            g.fill(swatch)
            g.color = Color.BLACK
            g.draw(swatch)
            g.drawString(name, lx + 26, cy + fm.ascent + 1)
        }
        g.font = Font(Font.SANS_SERIF, Font.BOLD, 15)
        g.drawString(title, left + pw / 2 - g.fontMetrics.stringWidth(title) / 2, 30)
        g.dispose()
        return Outputs.write(file) { check(ImageIO.write(img, "png", it)) { "no PNG writer in this JVM" } }
    }

    /** Loss (left axis) and accuracy (right axis) per step, with XChart. */
    fun lossAndAccuracy(history: History, file: Path): Path {
        val chart = XYChartBuilder().width(720).height(480).title("Training on moons")
            .xAxisTitle("step").yAxisTitle("loss").build()
        val steps = DoubleArray(history.steps.size) { it.toDouble() }
        chart.styler.apply {
            legendPosition = Styler.LegendPosition.OutsideS
            isChartTitleVisible = true
            chartBackgroundColor = Color.WHITE
            plotBackgroundColor = Color.WHITE
            plotGridLinesColor = Color(0xE0, 0xE0, 0xE0)
            seriesColors = arrayOf(POSITIVE_POINT, NEGATIVE_POINT)
            setYAxisGroupPosition(1, Styler.YAxisPosition.Right)
            setYAxisMin(1, 0.0)
            setYAxisMax(1, 1.0)
            isPlotBorderVisible = true
            defaultSeriesRenderStyle = org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Line
            xAxisDecimalPattern = "#,##0"
            yAxisDecimalPattern = "0.00"
            axisTickLabelsFont = Font(Font.SANS_SERIF, Font.PLAIN, 13)
            axisTitleFont = Font(Font.SANS_SERIF, Font.PLAIN, 14)
            legendFont = Font(Font.SANS_SERIF, Font.PLAIN, 13)
        }
        chart.addSeries("loss", steps, history.loss).apply { marker = SeriesMarkers.NONE; yAxisGroup = 0 }
        chart.addSeries("accuracy", steps, history.accuracy).apply { marker = SeriesMarkers.NONE; yAxisGroup = 1 }
        chart.setYAxisGroupTitle(1, "accuracy")
        // label every tick of a round step that leaves room for the numbers (XChart's own steps crowd them)
        val labelEvery = niceStep(history.steps.size / 8.0)
        chart.setCustomXAxisTickLabelsFormatter { x -> if (Math.rint(x) == x && x.toLong() % labelEvery == 0L) String.format(Locale.ROOT, "%,d", x.toLong()) else "" }
        return Outputs.write(file) { BitmapEncoder.saveBitmap(chart, it, BitmapEncoder.BitmapFormat.PNG) }
    }

    /** The smallest of 1, 2, 5, 10, 20, 50, ... that is at least x. */
    private fun niceStep(x: Double): Long {
        var step = 1L
        while (true) {
            for (m in longArrayOf(1, 2, 5)) if (step * m >= x) return step * m
            step *= 10
        }
    }

    private fun ticks(lo: Double, hi: Double): List<Double> {
        val step = if (hi - lo > 6) 1.0 else 0.5
        val out = ArrayList<Double>()
        var t = ceil(lo / step) * step
        while (t <= hi + 1e-9) { out += t; t += step }
        return out
    }

    private fun label(t: Double): String = if (t == Math.rint(t)) t.toInt().toString() else String.format(Locale.ROOT, "%.1f", t)
}
