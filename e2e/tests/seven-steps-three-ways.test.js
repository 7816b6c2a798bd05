// The manual's seven steps again, three more ways a person may come: with JavaScript
// turned off, on a phone 375 pixels wide, and with the keyboard alone. Each walk starts
// from the login page and ends with the status text after CONFIRM. A few pictures of
// each walk go into the guide's chapter "other-ways". The walks are in walks.js, shared
// with `npm run guide`.

import { test, after } from "node:test";
import { usePortal } from "../portal.js";
import { Chapter } from "../guide.js";
import { OTHER_WAYS_SHOTS, walkByKeyboard, walkOnPhone, walkWithoutJavaScript } from "../walks.js";

const guide = new Chapter("other-ways");

// Each walk starts from a taxpayer who has never enabled access: a fresh portal each.
const portal = usePortal({ perTest: true });

after(() => {
  // Only a complete chapter replaces the one a previous run saved.
  if (guide.shots.length === OTHER_WAYS_SHOTS) {
    guide.save();
  }
});

test("without JavaScript: the Duration drop-down is always there and the steps still work", async () => {
  await walkWithoutJavaScript(portal, guide);
});

test("on a phone 375 pixels wide: every step fits the screen", async () => {
  await walkOnPhone(portal, guide);
});

test("with the keyboard alone: Tab, arrow keys, Space and Enter", async () => {
  await walkByKeyboard(portal, guide);
});
