// Issue 14's browser story: a trainer runs a classroom from the console in demo mode.
// The trainer adds three trainees and prints their cards; one trainee logs in with the
// printed password and walks the seven steps while the progress board fills in by
// itself; another locks their account and the trainer unlocks it while a third stays
// logged in. Then the trainer, in one browser, shows a demo taxpayer's Manage API
// Access page in a new tab and goes back to the console without logging in again.
// The walks are in walks.js, shared with `npm run guide`; the first one photographs
// the trainer's screens for the guide's "classroom" chapter.

import { test } from "node:test";
import { DEMO_PORTAL, usePortal } from "../portal.js";
import { Chapter } from "../guide.js";
import { walkClassroom, walkLogInAs } from "../walks.js";

const portal = usePortal({ perTest: true, ...DEMO_PORTAL });

test("trainees log in with their printed passwords, the board follows their steps by itself, and an unlock logs nobody out", async () => {
  await walkClassroom(portal, new Chapter("classroom"));
});

test("the trainer shows a demo taxpayer's Manage API Access in a new tab and returns to the console without logging in", async () => {
  await walkLogInAs(portal);
});
