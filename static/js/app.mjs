// Initialises GOV.UK and MOJ Frontend components (loaded as a module, no inline script).
import { createAll, initAll as govukInitAll } from "../dist/govuk-frontend.min.js";
import { FilterToggleButton, initAll as mojInitAll } from "../dist/moj-frontend.min.js";

govukInitAll();
mojInitAll();
// MOJ's initAll leaves out the filter toggle: it hides the filter on small screens.
createAll(FilterToggleButton);
