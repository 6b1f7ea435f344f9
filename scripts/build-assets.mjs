// Builds the GOV.UK / MOJ Frontend assets into static/dist (not committed).
// Fonts are left out on purpose: this is not a GOV.UK service, so no GDS Transport.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "static", "dist");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const moj = join(root, "node_modules", "@ministryofjustice", "frontend", "moj");

mkdirSync(join(dist, "assets", "images"), { recursive: true });
let dependencyWarnings = 0;

const css = sass.compile(join(root, "static", "scss", "app.scss"), {
  loadPaths: [root],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
  // GOV.UK Frontend's own deprecation warnings about MOJ Frontend's styles are
  // theirs to fix; count them instead of flooding every set-up.
  logger: {
    warn(message, { stack = "" }) {
      // The frame that called GOV.UK's warning(): ours, or inside a dependency.
      const caller = stack.split("\n")[1] ?? "";
      if (caller.includes("node_modules")) dependencyWarnings += 1;
      else console.warn(`sass: ${message}`);
    },
  },
});
writeFileSync(join(dist, "app.css"), css.css);

cpSync(join(govuk, "govuk-frontend.min.js"), join(dist, "govuk-frontend.min.js"));
cpSync(join(moj, "moj-frontend.min.js"), join(dist, "moj-frontend.min.js"));
cpSync(join(govuk, "assets", "images"), join(dist, "assets", "images"), { recursive: true });
cpSync(join(moj, "assets", "images"), join(dist, "assets", "images"), { recursive: true });
console.log(`built static/dist (${dependencyWarnings} deprecation warnings inside GOV.UK/MOJ Frontend)`);
