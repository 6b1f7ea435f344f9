// Initialises GOV.UK and MOJ Frontend components (loaded as a module, no inline script).
import { createAll, initAll as govukInitAll } from "../dist/govuk-frontend.min.js";
import { FilterToggleButton, initAll as mojInitAll } from "../dist/moj-frontend.min.js";
import { initDocumentStatus } from "./document-status.mjs";
import { initDrafts } from "./drafts.mjs";
import { initPreviews } from "./preview.mjs";

// Before GOV.UK's components start, so the character count counts text put back.
initDrafts();
govukInitAll();
initPreviews();
mojInitAll();
initDocumentStatus();
// MOJ's initAll leaves out the filter toggle: it hides the filter on small screens.
createAll(FilterToggleButton);
