// The report section's live preview (issue 15, §9.1): as the Reviewer types, the preview
// below the form shows the heading and the paragraphs as the draft will read them. Without
// JavaScript the form's "Preview" button shows the same, rendered by the server. Text is
// set as text, never as HTML. No aria-live: a region read aloud at every key would drown
// the typing; the preview is there to look at, and the server's preview stays available.
const paragraphsOf = (text) =>
  text
    .replace(/\r\n/g, "\n")
    .split(/\n\s*\n/)
    .map((part) => part.trim())
    .filter(Boolean);

function render(preview, heading, body) {
  const title = preview.querySelector("[data-preview-heading]");
  const content = preview.querySelector("[data-preview-body]");
  title.textContent = heading.value;
  content.replaceChildren();
  const parts = paragraphsOf(body.value);
  if (!parts.length) {
    const empty = document.createElement("p");
    empty.className = "govuk-body";
    empty.textContent = "No text yet.";
    content.append(empty);
    return;
  }
  for (const part of parts) {
    const paragraph = document.createElement("p");
    paragraph.className = "govuk-body";
    part.split("\n").forEach((line, index) => {
      if (index) paragraph.append(document.createElement("br"));
      paragraph.append(document.createTextNode(line));
    });
    content.append(paragraph);
  }
}

export function initPreviews() {
  for (const preview of document.querySelectorAll("[data-live-preview]")) {
    const heading = document.getElementById(preview.dataset.headingField);
    const body = document.getElementById(preview.dataset.bodyField);
    if (!heading || !body) continue;
    const label = document.getElementById(preview.dataset.labelId);
    const update = () => {
      render(preview, heading, body);
      if (label) label.textContent = "Preview as you type";
    };
    heading.addEventListener("input", update);
    body.addEventListener("input", update);
  }
}
