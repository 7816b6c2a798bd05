// The illustrated guide: a walk through the portal saves a screenshot at each step it
// wants shown, with a caption and the QA test case the picture illustrates, and the guide
// is written as one HTML file with every image inside it (data: URIs), so it can be
// mailed or opened offline. Each chapter's pictures and captions are saved on their own;
// every save rebuilds index.html from the chapters present, so after a full run the guide
// holds them all whatever order they were saved in.
//
// The walks live in walks.js and are run both by the browser tests and by make-guide.js
// (`npm run guide`), which builds the whole guide on a portal of its own.
//
// Where: target/guide/ at the top of the repository, or GST_GUIDE_DIR.

import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const GUIDE_DIR = process.env.GST_GUIDE_DIR ?? path.join(here, "..", "target", "guide");

/** The chapters in the order the guide shows them; a chapter missing from a run is left out. */
const CHAPTERS = [
  {
    id: "seven-steps",
    title: "Manage API Access in seven steps",
    intro:
      "How a taxpayer lets GSP or ASP software use the GST API on their behalf, " +
      "following the seven steps of the manual.",
  },
  {
    id: "gsp-story",
    title: "What the GSP sees",
    intro:
      "The same setting seen from the software's side: while access is on, the GSP " +
      "asks for an OTP, the taxpayer reads it under Messages, and the GSP gets a session. " +
      "Choosing No ends that session at once.",
  },
  {
    id: "other-ways",
    title: "The same steps without JavaScript, on a phone and by keyboard",
    intro:
      "The portal works the same way whether the browser runs scripts or not, on a " +
      "small screen, and with the keyboard alone.",
  },
  {
    id: "classroom",
    title: "The trainer's classroom in pictures",
    intro:
      "How a trainer runs a room from the trainer console in demo mode: add trainees, " +
      "print their cards, watch each trainee's steps on the progress board, and unlock " +
      "a trainee who locked themselves out.",
  },
];

/** Collects one chapter's screenshots; `save()` writes them and rebuilds the guide. */
export class Chapter {
  constructor(id) {
    if (!CHAPTERS.some((c) => c.id === id)) {
      throw new Error(`unknown guide chapter ${id}`);
    }
    this.id = id;
    this.shots = [];
  }

  /**
   * Screenshots the whole page as the person sees it now, focus ring included.
   * `caseId` names the QA test case the picture shows ("TC-03"), or is null for a
   * picture that shows none; it must be given either way, so that no figure is left
   * unnumbered by oversight. Its title is read from the portal the page is on.
   * `part`, a locator, narrows the picture to that part of the page.
   */
  async shoot(page, caseId, caption, { part } = {}) {
    if (caseId === undefined) {
      throw new Error(`no test case given for the picture "${caption}"; pass null if it shows none`);
    }
    const testCase = caseId === null ? null : await findTestCase(new URL(page.url()).origin, caseId);
    const options = { animations: "disabled", caret: "initial" };
    const png = part ? await part.screenshot(options) : await page.screenshot({ fullPage: true, ...options });
    this.shots.push({ testCase, caption, png });
  }

  /** Writes this chapter's pictures and captions, then the guide; returns index.html's path. */
  save() {
    const dir = path.join(GUIDE_DIR, this.id);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const captions = this.shots.map((shot, i) => {
      const file = `${String(i + 1).padStart(2, "0")}.png`;
      writeFileSync(path.join(dir, file), shot.png);
      return { file, testCase: shot.testCase, caption: shot.caption };
    });
    writeFileSync(path.join(dir, "captions.json"), `${JSON.stringify(captions, null, 2)}\n`);
    return writeGuide();
  }
}

// The portal lists its QA test cases at /help/test-cases.json. They are read from the
// portal the pictures are taken on rather than copied here, so a figure's title is the
// one QA sees today, and a case renamed or dropped there fails the walk at once instead
// of leaving a stale number in the guide. One fetch per portal: the walks start several.
const testCaseLists = new Map();

async function findTestCase(origin, id) {
  if (!testCaseLists.has(origin)) {
    testCaseLists.set(origin, fetchTestCases(origin));
  }
  const found = (await testCaseLists.get(origin)).find((c) => c.id === id);
  if (!found) {
    throw new Error(`the portal at ${origin} lists no test case ${id} in /help/test-cases.json`);
  }
  return { id: found.id, title: found.title };
}

async function fetchTestCases(origin) {
  const res = await fetch(`${origin}/help/test-cases.json`);
  if (!res.ok) {
    throw new Error(`GET ${origin}/help/test-cases.json answered ${res.status}`);
  }
  return res.json();
}

/** Writes GUIDE_DIR/index.html from the chapters saved so far; returns its path. */
export function writeGuide() {
  const present = new Set(safeReaddir(GUIDE_DIR));
  const sections = CHAPTERS.filter((c) => present.has(c.id)).map((chapter) => {
    const dir = path.join(GUIDE_DIR, chapter.id);
    const captions = JSON.parse(readFileSync(path.join(dir, "captions.json"), "utf8"));
    const figures = captions.map(({ file, testCase, caption }) => {
      const data = readFileSync(path.join(dir, file)).toString("base64");
      // The figure's number is the test case's id, so QA can go from a picture to the
      // case it shows (and back); a picture of no case says so in the same place.
      const label = testCase
        ? `<span class="case">Figure ${escape(testCase.id)}</span> <strong>${escape(testCase.title)}.</strong>`
        : `<span class="case none">Figure (no test case)</span>`;
      const alt = testCase ? `Figure ${testCase.id}: ${testCase.title}. ${caption}` : caption;
      return `<figure${testCase ? ` data-test-case="${escape(testCase.id)}"` : ""}>
  <img src="data:image/png;base64,${data}" alt="${escape(alt)}">
  <figcaption>${label} ${escape(caption)}</figcaption>
</figure>`;
    });
    return `<section aria-labelledby="${chapter.id}">
<h2 id="${chapter.id}">${escape(chapter.title)}</h2>
<p>${escape(chapter.intro)}</p>
${figures.join("\n")}
</section>`;
  });
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Manage API Access: an illustrated guide (GST Portal training copy)</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 70rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; color: #1b1b1b; line-height: 1.5; }
h1 { font-size: 1.8rem; }
h2 { margin-top: 3rem; border-bottom: 2px solid #1b3a6b; padding-bottom: .3rem; }
figure { margin: 2rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #999; box-shadow: 0 2px 6px rgba(0,0,0,.15); }
figcaption { margin-top: .6rem; font-size: 1.05rem; }
.case { display: inline-block; padding: 0 .5rem; margin-right: .3rem; border-radius: .8rem; background: #1b3a6b; color: #fff; font-weight: bold; }
.case.none { background: #595959; }
</style>
</head>
<body>
<main>
<h1>Manage API Access: an illustrated guide</h1>
<p>These pictures come from the training copy of the GST Portal, taken by its browser tests
or by <code>npm run guide</code> on their last run, so they show the screens as they are today.
Each figure is numbered by the QA test case it shows, with that case's title, as listed on the
portal's page of test cases (<code>/help/test-cases</code>). All names and GSTINs are
fictitious.</p>
${sections.join("\n")}
</main>
</body>
</html>
`;
  mkdirSync(GUIDE_DIR, { recursive: true });
  const file = path.join(GUIDE_DIR, "index.html");
  writeFileSync(file, html);
  return file;
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function escape(text) {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}
