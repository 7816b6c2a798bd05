// The GSP story in a real browser: access on, a GSP client takes a token with the OTP
// the taxpayer reads under Messages, "Applications with access" lists it, No empties
// the list and the GSP's next call is refused. The taxpayer's pages are photographed
// for the guide's second chapter and checked with axe. The walk is in walks.js, shared
// with `npm run guide`; it registers the GSP client itself.

import { test } from "node:test";
import { usePortal } from "../portal.js";
import { Chapter } from "../guide.js";
import { walkGspStory } from "../walks.js";

const portal = usePortal();

test("No shuts the GSP out at once", async () => {
  await walkGspStory(portal, new Chapter("gsp-story"));
});
