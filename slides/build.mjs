// Builds the deck: slides/deck.md -> BUILD/slides/deck.html (and deck.pdf
// where Chromium is installed).
//
//   node slides/build.mjs [--build DIR] [--out DIR] [--no-pdf] [--check]
//
// The deck never holds code typed by hand. Before Marp sees it, this script
// replaces each directive with what it names:
//
//   <!-- code: solutions/02_join_spawn/join_all.hpp#join_all -->
//       the region between `// [slide:join_all]` and `// [/slide]` in that
//       file (a compiled, tested source), as a fenced code block;
//   <!-- timeline: 02_join_spawn http --requests 6 --latency 100 -->
//       that demo, run now from the build folder with --trace, drawn as SVG;
//   <!-- chapter: 02_join_spawn -->
//       marks the section of a chapter: every folder under chapters/ needs one.
//
// A fenced block typed into deck.md is refused unless a `<!-- wrong: why -->`
// line stands right before it (code shown because it is wrong) or it is a
// ```text block of commands for the audience to type.
//
// Any missing region, empty region, unknown demo or chapter without a
// section stops the build with a message naming the slide.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

function parseArgs(argv) {
  const opts = { build: process.env.LUNCH_BUILD || path.join(root, 'build'), out: null, pdf: true, check: false };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`, 2);
      return argv[++i];
    };
    if (a === '--build') opts.build = path.resolve(value());
    else if (a === '--out') opts.out = path.resolve(value());
    else if (a === '--no-pdf') opts.pdf = false;
    else if (a === '--check') opts.check = true;
    else if (a === '-h' || a === '--help') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(0, 21)
        .map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
      process.exit(0);
    } else fail(`unknown argument '${a}' (try --help)`, 2);
  }
  opts.out ??= path.join(opts.build, 'slides');
  return opts;
}

function fail(message, status = 1) {
  console.error(`slides: ${message}`);
  process.exit(status);
}

// ------------------------------------------------------------ the pieces

// Slides are separated by a line holding only `---` (outside code fences).
// Returns, for each line of the deck, the 1-based number of its slide and
// the slide's first heading, so that errors can name the slide.
function slideMap(lines) {
  const where = [];
  let slide = 0;
  let fence = false;
  let frontMatter = lines[0] === '---';
  const titles = [];
  for (let i = 0; i < lines.length; ++i) {
    const l = lines[i];
    if (/^```/.test(l)) fence = !fence;
    if (!fence && l === '---') {
      if (frontMatter && i > 0) { frontMatter = false; slide = 1; }
      else if (!frontMatter) ++slide;
    }
    if (slide === 0 && !frontMatter) slide = 1;
    const m = /^#{1,3} (.*)/.exec(l);
    if (m && !fence && !titles[slide]) titles[slide] = m[1];
    where.push(slide);
  }
  return (i) => `slide ${where[i]}${titles[where[i]] ? ` ("${titles[where[i]]}")` : ''}`;
}

const languages = { '.hpp': 'cpp', '.cpp': 'cpp', '.h': 'cpp', '.rs': 'rust', '.sh': 'bash', '.build': 'meson' };

// The lines between `// [slide:NAME]` and `// [/slide]`, with the common
// indentation removed, without whole-line comments (and so without other
// regions' markers) and without doubled blank lines.
function region(file, name, where) {
  const full = path.join(root, file);
  if (!fs.existsSync(full)) fail(`${where}: ${file} does not exist`);
  const lines = fs.readFileSync(full, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trim() === `// [slide:${name}]`);
  if (start < 0) fail(`${where}: no region '${name}' in ${file} (mark it with // [slide:${name}] ... // [/slide])`);
  const end = lines.findIndex((l, i) => i > start && l.trim() === '// [/slide]');
  if (end < 0) fail(`${where}: region '${name}' in ${file} has no closing // [/slide]`);
  // Whole-line comments stay in the source: on a slide, the speaker says them.
  const body = lines.slice(start + 1, end)
    .filter((l) => !/^\s*\/\//.test(l))
    .filter((l, i, all) => l.trim() || (i > 0 && all[i - 1].trim()));
  if (!body.some((l) => l.trim())) fail(`${where}: region '${name}' in ${file} is empty`);
  const indent = Math.min(...body.filter((l) => l.trim()).map((l) => /^ */.exec(l)[0].length));
  return { lang: languages[path.extname(file)] || '', text: body.map((l) => l.slice(indent)).join('\n').replace(/\s+$/, '') };
}

// The build's table of contents: where each demo's program is.
function demoPrograms(build) {
  const manifest = path.join(build, 'tests', 'lunch-manifest.tsv');
  if (!fs.existsSync(manifest)) fail(`no ${manifest}: build the course first (./lunch, or meson setup ${build})`);
  const columns = {};
  const demos = {};
  for (const line of fs.readFileSync(manifest, 'utf8').split('\n')) {
    const f = line.split('\t');
    if (f[0] === '#columns') columns[f[1]] = f.slice(2);
    else if (f[0] === 'demo' && columns.demo) {
      const d = Object.fromEntries(columns.demo.map((c, i) => [c, f[i + 1]]));
      demos[`${d.chapter} ${d.name}`] = d;
    }
  }
  return demos;
}

function escapeXml(s) {
  return String(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);
}

// A Chrome trace (as lunch::write_trace writes it) drawn as an SVG: one row
// per lane, solid bars where the task ran, light bars where it waited.
export function traceToSvg(trace, title) {
  const events = trace.traceEvents || trace;
  const names = new Map();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(e.tid, e.args.name);
  const spans = events.filter((e) => e.ph === 'X');
  if (spans.length === 0) throw new Error('the trace has no spans');
  const tids = [...new Set(spans.map((e) => e.tid))].sort((a, b) => a - b);
  const maxRows = 14;
  const shown = tids.slice(0, maxRows);
  const t0 = Math.min(...spans.map((e) => e.ts));
  const t1 = Math.max(...spans.map((e) => e.ts + e.dur));
  const width = 1100, label = 170, rowH = 26, top = 34;
  const scale = (width - label - 20) / Math.max(1, t1 - t0);
  const height = top + shown.length * rowH + 40 + (tids.length > maxRows ? 20 : 0);
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans Mono, monospace" font-size="15">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="0" y="20" font-size="17" fill="#222">${escapeXml(title)}</text>`);
  shown.forEach((tid, row) => {
    const y = top + row * rowH;
    out.push(`<text x="0" y="${y + 18}" fill="#333">${escapeXml((names.get(tid) || `lane ${tid}`).slice(0, 18))}</text>`);
    for (const e of spans.filter((s) => s.tid === tid)) {
      const x = label + (e.ts - t0) * scale;
      const w = Math.max(2, e.dur * scale);
      const waiting = e.cat === 'waiting';
      out.push(`<rect x="${x.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" rx="3" fill="${waiting ? '#9ecae1' : '#08519c'}"><title>${escapeXml(`${e.name}: ${(e.dur / 1000).toFixed(1)} ms`)}</title></rect>`);
    }
  });
  if (tids.length > maxRows)
    out.push(`<text x="0" y="${top + shown.length * rowH + 16}" fill="#666">... and ${tids.length - maxRows} more lanes</text>`);
  const axisY = height - 14;
  const totalMs = (t1 - t0) / 1000;
  const step = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000].find((s) => totalMs / s <= 8) || 10000;
  for (let ms = 0; ms <= totalMs + 1e-9; ms += step) {
    const x = label + ms * 1000 * scale;
    out.push(`<line x1="${x.toFixed(1)}" y1="${top - 4}" x2="${x.toFixed(1)}" y2="${axisY - 14}" stroke="#ddd"/>`);
    out.push(`<text x="${x.toFixed(1)}" y="${axisY}" fill="#555" text-anchor="middle">${ms} ms</text>`);
  }
  out.push(`</svg>`);
  return out.join('\n');
}

function timeline(demos, build, spec, where, tmp) {
  const [chapter, name, ...args] = spec.trim().split(/\s+/);
  const d = demos[`${chapter} ${name}`];
  if (!d) fail(`${where}: no demo '${name}' in chapter '${chapter}' (see ./lunch demo)`);
  if (!fs.existsSync(d.binary)) {
    const r = spawnSync('ninja', ['-C', build, path.relative(build, d.binary)], { encoding: 'utf8' });
    if (r.status !== 0) fail(`${where}: building ${d.target} failed:\n${r.stdout}${r.stderr}`);
  }
  const file = path.join(tmp, `${chapter}-${name}-${Math.random().toString(36).slice(2)}.json`);
  const r = spawnSync(d.binary, [...args, '--trace', file], { encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0 || !fs.existsSync(file))
    fail(`${where}: the demo '${chapter} ${name} ${args.join(' ')}' failed (status ${r.status}):\n${r.stdout}${r.stderr}`);
  const svg = traceToSvg(JSON.parse(fs.readFileSync(file, 'utf8')), `./lunch demo ${chapter.slice(0, 2)} ${name} ${args.join(' ')}`);
  return `![w:1100](data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')})`;
}

// ------------------------------------------------------------ the build

function expand(deckText, opts, stats, tmp) {
  const lines = deckText.split('\n');
  const where = slideMap(lines);
  const demos = deckText.includes('<!-- timeline:') ? demoPrograms(opts.build) : {};
  const out = [];
  const sections = new Set();
  let fence = false;
  for (let i = 0; i < lines.length; ++i) {
    const l = lines[i];
    if (/^```/.test(l)) {
      // Commands for the audience to type (```text) are not program code.
      if (!fence && l !== '```text' && !/^<!-- wrong: .+ -->$/.test(lines[i - 1] || ''))
        fail(`${where(i)}: a code block typed into the deck; pull it from a source with <!-- code: FILE#REGION -->, or mark wrong code with <!-- wrong: why --> on the line before`);
      fence = !fence;
      out.push(l);
      continue;
    }
    let m;
    if (!fence && (m = /^<!-- code: ([^#\s]+)#(\S+) -->$/.exec(l))) {
      const r = region(m[1], m[2], where(i));
      out.push('```' + r.lang, r.text, '```');
      stats.regions.add(`${m[1]}#${m[2]}`);
      stats.firstCodeSlide ??= Number(/slide (\d+)/.exec(where(i))[1]);
    } else if (!fence && (m = /^<!-- timeline: (.+) -->$/.exec(l))) {
      out.push(timeline(demos, opts.build, m[1], where(i), tmp));
      stats.timelines++;
    } else if (!fence && (m = /^<!-- chapter: (\S+) -->$/.exec(l))) {
      sections.add(m[1]);  // a marker for this script, not a note for the speaker
    } else if (!fence && (m = /^<!-- wrong: .+ -->$/.exec(l))) {
      stats.wrong++;
      out.push('<!-- _class: wrong -->');  // drawn in red: this code is wrong on purpose
    } else {
      out.push(l);
    }
  }
  const chapters = fs.readdirSync(path.join(root, 'chapters'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^\d\d_/.test(e.name)).map((e) => e.name).sort();
  const missing = chapters.filter((c) => !sections.has(c));
  if (missing.length) fail(`no section for chapter${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: add a slide with <!-- chapter: NAME -->`);
  stats.slides = where(lines.length - 1).match(/slide (\d+)/)[1];
  return out.join('\n');
}

function chromium() {
  if (process.env.CHROME_PATH && fs.existsSync(process.env.CHROME_PATH)) return process.env.CHROME_PATH;
  for (const c of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'])
    if (fs.existsSync(c)) return c;
  return null;
}

function marp(args, env) {
  const bin = path.join(here, 'node_modules', '.bin', 'marp');
  if (!fs.existsSync(bin)) fail('Marp is not installed: run `npm ci` in slides/ (./lunch slides does it for you)', 2);
  execFileSync(bin, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const stats = { regions: new Set(), timelines: 0, wrong: 0, slides: 0, firstCodeSlide: null };
  fs.mkdirSync(opts.out, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lunch-slides-'));
  try {
    const deck = expand(fs.readFileSync(path.join(here, 'deck.md'), 'utf8'), opts, stats, tmp);
    const md = path.join(opts.out, 'deck.md');
    fs.writeFileSync(md, deck);
    fs.writeFileSync(path.join(opts.out, 'deck.json'), JSON.stringify({
      slides: Number(stats.slides), regions: stats.regions.size, timelines: stats.timelines,
      wrong: stats.wrong, firstCodeSlide: stats.firstCodeSlide,
    }, null, 2) + '\n');
    fs.copyFileSync(path.join(here, 'theme.css'), path.join(opts.out, 'theme.css'));
    if (opts.check) {
      console.log(`slides: ${stats.slides} slides, ${stats.regions.size} code regions, ${stats.timelines} timelines: all resolve`);
      return;
    }
    const html = path.join(opts.out, 'deck.html');
    marp([md, '--theme', path.join(opts.out, 'theme.css'), '--html', '--no-stdin', '-o', html]);
    const browser = opts.pdf ? chromium() : null;
    if (browser) {
      marp([md, '--theme', path.join(opts.out, 'theme.css'), '--html', '--no-stdin', '--pdf',
            '--allow-local-files', '-o', path.join(opts.out, 'deck.pdf')],
           { CHROME_PATH: browser, CHROME_NO_SANDBOX: '1' });
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`slides: ${stats.slides} slides, ${stats.regions.size} code regions pulled from sources, ` +
                `${stats.timelines} timelines from demo runs, built in ${seconds} s`);
    console.log(`slides: ${path.relative(process.cwd(), html) || html}` +
                (browser ? ` and ${path.relative(process.cwd(), path.join(opts.out, 'deck.pdf'))}` :
                 opts.pdf ? ' (no PDF: install chromium for one)' : ''));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) main();
