// Initialises GOV.UK and MOJ Frontend components (loaded as a module, no inline script).
import { initAll as govukInitAll } from "../dist/govuk-frontend.min.js";
import { initAll as mojInitAll } from "../dist/moj-frontend.min.js";

govukInitAll();
mojInitAll();
