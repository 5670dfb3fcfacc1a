/**
 * Prints the compliance report's HTML to PDF with Debian's Chromium in headless mode (installed by
 * .ci/run). The HTML is self-contained (no scripts, no network); Chromium runs with no network
 * proxy to reach and a private temporary profile, and the files are removed afterwards.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = '/usr/bin/chromium';

export async function printHtmlToPdf(html: string, chromium = CHROMIUM): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-report-'));
  try {
    const input = join(dir, 'report.html');
    const output = join(dir, 'report.pdf');
    await writeFile(input, html, { mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      execFile(
        chromium,
        ['--headless', '--no-sandbox', '--disable-gpu', '--no-pdf-header-footer', '--proxy-server=127.0.0.1:9', `--user-data-dir=${join(dir, 'profile')}`, `--print-to-pdf=${output}`, pathToFileURL(input).href],
        { timeout: 60_000 },
        (error) => (error ? reject(new Error(`compliance: Chromium could not print the report: ${error.message}`)) : resolve()),
      );
    });
    const pdf = await readFile(output);
    if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') throw new Error('compliance: Chromium did not write a PDF');
    return pdf;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
