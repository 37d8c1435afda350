package report

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"

	"github.com/siogen/sio/bench/runner"
)

var (
	white   = color.RGBA{255, 255, 255, 255}
	black   = color.RGBA{20, 20, 20, 255}
	grey    = color.RGBA{200, 200, 200, 255}
	green   = color.RGBA{46, 139, 87, 255}
	red     = color.RGBA{200, 60, 50, 255}
	orange  = color.RGBA{230, 150, 30, 255}
	blue    = color.RGBA{40, 90, 200, 255}
	cpuGrey = color.RGBA{110, 110, 110, 255}
)

// Chart draws one horizontal bar per summary row: the sio advantage over
// Node on a log scale centred on 1× (bars to the right: sio better; to the
// left: sio behind), with the goal marked by a blue tick. Green bars meet
// the goal, orange ones beat Node without meeting it, red ones are behind.
// A thin grey bar under each shows the server CPU time per operation
// advantage (Node/sio), which other load on the machine disturbs less.
func Chart(sum *runner.Summary) *image.RGBA {
	const (
		scale   = 2
		rowH    = 13 * scale
		left    = 22 * glyphW * scale // label column
		plotW   = 560
		right   = 16 * glyphW * scale // value column
		top     = 3*glyphH*scale + 10
		bottom  = 2*glyphH*scale + 10
		minLog2 = -3.0 // 1/8×
		maxLog2 = 4.0  // 16×
	)
	rows := sum.Rows
	w := left + plotW + right
	h := top + len(rows)*rowH + bottom
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fillRect(img, 0, 0, w, h, white)
	xOf := func(v float64) int {
		l := math.Log2(v)
		l = math.Max(minLog2, math.Min(maxLog2, l))
		return left + int((l-minLog2)/(maxLog2-minLog2)*plotW)
	}
	drawText(img, 8, 6, "sio advantage over Node socket.io 4.8 (log scale, >1 = sio better)", scale, black)
	drawText(img, 8, 6+glyphH*scale, fmt.Sprintf("load before %s, %d reps; blue tick = goal", trimLoad(sum.Machine.LoadBefore), sum.Machine.Repetitions), scale, black)
	for l := minLog2; l <= maxLog2; l++ {
		x := xOf(math.Exp2(l))
		fillRect(img, x, top-4, 1, len(rows)*rowH+4, grey)
		lab := fmt.Sprintf("%gx", math.Exp2(l))
		if l < 0 {
			lab = fmt.Sprintf("1/%gx", math.Exp2(-l))
		}
		drawText(img, x-textWidth(lab, 1)/2, top+len(rows)*rowH+6, lab, 1, black)
	}
	one := xOf(1)
	fillRect(img, one, top-4, 2, len(rows)*rowH+4, black)
	for i, r := range rows {
		y := top + i*rowH
		drawText(img, 8, y+3, fmt.Sprintf("%s %s", r.Scenario.Name, r.Parser), scale, black)
		if r.Advantage <= 0 {
			drawText(img, one+8, y+3, "no data", scale, red)
			continue
		}
		x := xOf(r.Advantage)
		c := green
		switch {
		case r.Advantage < 1:
			c = red
		case r.Advantage < r.Scenario.Goal:
			c = orange
		}
		x0, x1 := min(one, x), max(one, x)
		fillRect(img, x0, y+3, max(x1-x0, 2), rowH-12, c)
		if r.CPUAdvantage > 0 { // thin grey bar: CPU per operation
			cx := xOf(r.CPUAdvantage)
			fillRect(img, min(one, cx), y+rowH-8, max(max(one, cx)-min(one, cx), 2), 4, cpuGrey)
		}
		g := xOf(r.Scenario.Goal)
		fillRect(img, g-1, y+1, 3, rowH-2, blue)
		drawText(img, left+plotW+8, y+3, fmt.Sprintf("%.2fx", r.Advantage), scale, black)
	}
	drawText(img, 8, h-glyphH*scale-4, "green: meets goal  orange: ahead, short of goal  red: behind  grey: CPU/op", scale, black)
	return img
}

// WriteChart renders Chart(sum) into a PNG file.
func WriteChart(path string, sum *runner.Summary) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, Chart(sum)); err != nil {
		f.Close()
		return fmt.Errorf("report: %s: %w", path, err)
	}
	return f.Close()
}
