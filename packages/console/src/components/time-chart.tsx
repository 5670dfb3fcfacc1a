/**
 * A time-series chart on uPlot (canvas): one or more lines over a time axis, with horizontal
 * threshold lines and vertical event markers drawn by a small plugin.
 *
 * uPlot sets its sizes through `element.style` (CSSOM), which the CSP's `style-src 'self'` does not
 * block (only `style` attributes in markup and inline <style> elements are); its stylesheet comes
 * in through Vite as a file. A canvas says nothing to a screen reader, so every chart is a
 * <figure> with a caption and a text summary (the latest value, the point count); the same
 * numbers are shown as text beside the chart.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartLine {
  readonly label: string;
  readonly color: string;
}

export interface ChartThreshold {
  readonly value: number;
  readonly label: string;
  readonly color: string;
}

export interface ChartMarker {
  /** Seconds since the epoch (uPlot's time scale). */
  readonly t: number;
  readonly label: string;
  readonly color: string;
}

export interface TimeChartProps {
  readonly title: string;
  /** Seconds since the epoch, ascending. */
  readonly times: readonly number[];
  /** One array per line, aligned with `times` (null for a gap). */
  readonly values: readonly (readonly (number | null)[])[];
  readonly lines: readonly ChartLine[];
  readonly unit: string;
  /** The x range in seconds since the epoch: the chart shows the whole picked range. */
  readonly range: { readonly from: number; readonly to: number };
  readonly thresholds?: readonly ChartThreshold[];
  readonly markers?: readonly ChartMarker[];
  readonly height?: number;
  /** Text for screen readers: what the chart shows in words. */
  readonly summary: string;
  readonly testId?: string;
  /** A line of text under the chart (e.g. the unfinished interval so far). */
  readonly note?: string | undefined;
  /** Counts: the y axis starts at 0 and never goes below it. */
  readonly counts?: boolean;
  /**
   * Zoom by drag: a drag across the plot selects a time span and calls this with it (seconds since
   * the epoch); the owner passes it back as `range` (and offers a way back). Without it, no drag.
   */
  readonly onZoom?: ((from: number, to: number) => void) | undefined;
}

/** A drag narrower than this (CSS px) is a click, not a zoom. */
const MIN_ZOOM_PX = 8;

interface Overlay {
  thresholds: readonly ChartThreshold[];
  markers: readonly ChartMarker[];
}

/** Draws threshold lines (dashed, horizontal) and alert markers (vertical) over the plot. */
function overlayPlugin(overlay: { current: Overlay }): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u: uPlot) => {
          const { ctx } = u;
          const { left, top, width, height } = u.bbox;
          ctx.save();
          ctx.lineWidth = 1.5 * uPlot.pxRatio;
          ctx.font = `${11 * uPlot.pxRatio}px system-ui, sans-serif`;
          // uPlot leaves the axis text alignment behind (right-aligned for the y axis).
          ctx.textAlign = 'left';
          ctx.textBaseline = 'bottom';
          for (const threshold of overlay.current.thresholds) {
            const y = u.valToPos(threshold.value, 'y', true);
            if (!Number.isFinite(y) || y < top || y > top + height) continue;
            ctx.strokeStyle = threshold.color;
            ctx.fillStyle = threshold.color;
            ctx.setLineDash([6 * uPlot.pxRatio, 4 * uPlot.pxRatio]);
            ctx.beginPath();
            ctx.moveTo(left, y);
            ctx.lineTo(left + width, y);
            ctx.stroke();
            ctx.fillText(threshold.label, left + 4 * uPlot.pxRatio, y - 3 * uPlot.pxRatio);
          }
          ctx.setLineDash([]);
          for (const marker of overlay.current.markers) {
            const x = u.valToPos(marker.t, 'x', true);
            if (!Number.isFinite(x) || x < left || x > left + width) continue;
            ctx.strokeStyle = marker.color;
            ctx.fillStyle = marker.color;
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
            ctx.beginPath();
            ctx.moveTo(x - 5 * uPlot.pxRatio, top);
            ctx.lineTo(x + 5 * uPlot.pxRatio, top);
            ctx.lineTo(x, top + 8 * uPlot.pxRatio);
            ctx.closePath();
            ctx.fill();
          }
          ctx.restore();
        },
      ],
    },
  };
}

function dataOf(times: readonly number[], values: readonly (readonly (number | null)[])[]): uPlot.AlignedData {
  return [Array.from(times), ...values.map((line) => Array.from(line))] as uPlot.AlignedData;
}

export function TimeChart({ title, times, values, lines, unit, range, thresholds = [], markers = [], height = 180, summary, testId, counts = false, note, onZoom }: TimeChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const overlay = useRef<Overlay>({ thresholds, markers });
  const rangeRef = useRef(range);
  overlay.current = { thresholds, markers };
  rangeRef.current = range;
  const zoomRef = useRef(onZoom);
  zoomRef.current = onZoom;
  const zoomable = onZoom !== undefined;
  const linesKey = lines.map((l) => `${l.label}/${l.color}`).join('|');

  // Build the plot once per set of lines; data changes go through setData (no rebuild).
  useEffect(() => {
    const element = holder.current;
    if (element === null) return undefined;
    // Axis text and grid in the page's own text colour (a canvas cannot read CSS variables), so
    // the axes stay readable in the dark scheme.
    const ink = getComputedStyle(element).color || '#000';
    const rgb = /^rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(ink);
    const grid = { stroke: rgb === null ? 'rgba(128, 128, 128, 0.2)' : `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, 0.15)`, width: 1 };
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height,
      legend: { show: true, live: false },
      // uPlot's select: a drag marks a span; setSelect hands it to the owner (the owner's range
      // then redraws the x scale), and the mark is cleared.
      cursor: { drag: { x: zoomable, y: false, setScale: false } },
      scales: {
        x: { time: true, range: () => [rangeRef.current.from, rangeRef.current.to] },
        y: {
          range: (_u, min, max) => {
            const values = [min, max, ...overlay.current.thresholds.map((t) => t.value)].filter((v) => Number.isFinite(v));
            if (values.length === 0) return [0, 1];
            const lo = Math.min(...values);
            const hi = Math.max(...values);
            if (counts) return [0, Math.max(1, Math.ceil(hi * 1.1))];
            const pad = Math.max(1, (hi - lo) * 0.1);
            return [lo - pad, hi + pad];
          },
        },
      },
      axes: [
        { stroke: ink, grid, ticks: grid },
        { label: unit, size: 56, stroke: ink, grid, ticks: grid },
      ],
      series: [{}, ...lines.map((line) => ({ label: line.label, stroke: line.color, width: 2, spanGaps: false, points: { show: true, size: 4 } }))],
      plugins: [overlayPlugin(overlay)],
      // The drawn y range, for tests and tools: a count axis never goes below 0.
      hooks: {
        setScale: [
          (u, key) => {
            if (key === 'y') element.dataset['yMin'] = String(u.scales['y']?.min ?? '');
            if (key === 'x') element.dataset['xSpan'] = String(Math.round((u.scales['x']?.max ?? 0) - (u.scales['x']?.min ?? 0)));
          },
        ],
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width >= MIN_ZOOM_PX) zoomRef.current?.(u.posToVal(left, 'x'), u.posToVal(left + width, 'x'));
            if (width > 0) u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
      },
    };
    const created = new uPlot(options, dataOf([], lines.map(() => [])), element);
    plot.current = created;
    const resize = new ResizeObserver(() => {
      const width = Math.max(200, element.clientWidth);
      if (width !== created.width) created.setSize({ width, height });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      created.destroy();
      plot.current = null;
    };
    // Rebuilt only when the lines, unit or height change.
  }, [linesKey, unit, height, counts, zoomable]);

  useEffect(() => {
    plot.current?.setData(dataOf(times, values), true);
  }, [times, values, range.from, range.to, thresholds, markers]);

  return (
    <figure className="chart" data-testid={testId} data-points={times.length}>
      <figcaption className="chart-title">{title}</figcaption>
      <div ref={holder} className={zoomable ? 'chart-canvas chart-zoomable' : 'chart-canvas'} role="img" aria-label={`${title}: ${summary}`} />
      {note !== undefined && (
        <p className="muted small" data-testid={testId === undefined ? undefined : `${testId}-current`}>
          {note}
        </p>
      )}
    </figure>
  );
}
