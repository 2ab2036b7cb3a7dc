package dev.adjoint.examples

import dev.adjoint.dsl.History
import dev.adjoint.nn.Dataset
import dev.adjoint.nn.MLP
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

    /**
     * The model's decision regions over the data's bounding box (score > 0 orange, else blue), the
     * zero contour, and the points coloured by label: micrograd's moon_mlp.png.
     */
    fun decisionBoundary(model: MLP, data: Dataset, file: Path): Path {
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

        // regions: the score's sign on a grid of 3-pixel cells
        val cell = 3
        val cols = (pw + cell - 1) / cell
        val rows = (ph + cell - 1) / cell
        val positive = Array(rows) { r ->
            BooleanArray(cols) { c ->
                val x = x0 + (c + 0.5) * cell / pw * (x1 - x0)
                val y = y1 - (r + 0.5) * cell / ph * (y1 - y0)
                model.score(x, y).data() > 0
            }
        }
        for (r in 0 until rows) for (c in 0 until cols) {
            g.color = if (positive[r][c]) POSITIVE_REGION else NEGATIVE_REGION
            g.fillRect(left + c * cell, top + r * cell, minOf(cell, pw - c * cell), minOf(cell, ph - r * cell))
        }
        // the boundary: cell edges where the sign changes
        g.color = Color(0x44, 0x44, 0x44)
        for (r in 0 until rows) for (c in 0 until cols) {
            if (c + 1 < cols && positive[r][c] != positive[r][c + 1]) g.fillRect(left + (c + 1) * cell - 1, top + r * cell, 2, cell)
            if (r + 1 < rows && positive[r][c] != positive[r + 1][c]) g.fillRect(left + c * cell, top + (r + 1) * cell - 1, cell, 2)
        }
        // points
        for (i in 0 until data.size()) {
            val p = xs[i]
            val dot = Ellipse2D.Double(px(p[0]) - 6, py(p[1]) - 6, 12.0, 12.0)
            g.color = if (data.y(i) > 0) POSITIVE_POINT else NEGATIVE_POINT
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
        val right0 = (0 until data.size()).count { (model.score(*data.x(it)).data() > 0) == (data.y(it) > 0) }
        g.font = Font(Font.SANS_SERIF, Font.BOLD, 15)
        val title = String.format(Locale.ROOT, "moons: MLP(2, [16, 16, 1]), training accuracy %.0f%%", 100.0 * right0 / data.size())
        g.drawString(title, left + pw / 2 - g.fontMetrics.stringWidth(title) / 2, 30)
        g.dispose()
        ImageIO.write(img, "png", file.toFile())
        return file
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
        }
        chart.addSeries("loss", steps, history.loss).apply { marker = SeriesMarkers.NONE; yAxisGroup = 0 }
        chart.addSeries("accuracy", steps, history.accuracy).apply { marker = SeriesMarkers.NONE; yAxisGroup = 1 }
        chart.setYAxisGroupTitle(1, "accuracy")
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG)
        return file
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
