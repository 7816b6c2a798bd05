// `npm run guide`: builds the whole illustrated guide without running the tests. It
// starts portals of its own (target/debug/gst-portal, or GST_PORTAL_BIN) and chromium,
// walks the four chapters with the same functions the browser tests use (walks.js), and
// writes GUIDE_DIR/index.html. Like the tests, each walk gets a fresh portal, because
// every walk begins with a taxpayer who has never enabled API access (or, for the
// classroom, a demo portal with no trainees yet).
//
// The walks keep their assertions and axe checks: a guide is only written from screens
// that behave as the tests expect, and a failure stops the command with a non-zero exit.

import { Chapter, GUIDE_DIR } from "./guide.js";
import { DEMO_PORTAL, launchBrowser, startPortal } from "./portal.js";
import {
  OTHER_WAYS_SHOTS,
  walkByKeyboard,
  walkClassroom,
  walkGspStory,
  walkOnPhone,
  walkSevenSteps,
  walkWithoutJavaScript,
} from "./walks.js";

/**
 * Runs `walk` on a portal started for it alone (with startPortal's `options`), and stops
 * that portal afterwards.
 */
async function onFreshPortal(browser, walk, guide, options = {}) {
  const server = await startPortal(options);
  try {
    await walk({ browser, base: server.base, database: server.database }, guide);
  } finally {
    await server.stop();
  }
}

const began = Date.now();
const browser = await launchBrowser();
try {
  // These three walks save their chapters themselves, as they do in the tests.
  await onFreshPortal(browser, walkSevenSteps, new Chapter("seven-steps"));
  await onFreshPortal(browser, walkGspStory, new Chapter("gsp-story"));
  await onFreshPortal(browser, walkClassroom, new Chapter("classroom"), DEMO_PORTAL);

  const otherWays = new Chapter("other-ways");
  for (const walk of [walkWithoutJavaScript, walkOnPhone, walkByKeyboard]) {
    await onFreshPortal(browser, walk, otherWays);
  }
  if (otherWays.shots.length !== OTHER_WAYS_SHOTS) {
    throw new Error(`the other-ways walks took ${otherWays.shots.length} pictures, not ${OTHER_WAYS_SHOTS}`);
  }
  const file = otherWays.save();
  console.log(`${file} (guide in ${GUIDE_DIR}, made in ${((Date.now() - began) / 1000).toFixed(1)} s)`);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await browser.close();
}
