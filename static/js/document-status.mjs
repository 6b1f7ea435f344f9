// A long document being prepared in the background (templates/includes/document_status.html):
// asks its status page again every few seconds and puts the new status in place, where the
// live region announces it. Without JavaScript the page's "Check again" link does the same.
const EVERY = 3000; // milliseconds
const MAX_TRIES = 200; // ten minutes: then "Check again" is left to the person

async function poll(panel, tries) {
  if (tries >= MAX_TRIES) return;
  let fresh;
  try {
    const response = await fetch(panel.dataset.pollUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    fresh = page.getElementById(panel.id);
  } catch {
    return; // offline or signed out: the link still works
  }
  if (!fresh) return;
  // Queued to rendering, or ready, failed or out of date: the live region says so.
  if (fresh.innerHTML.trim() !== panel.innerHTML.trim()) {
    panel.replaceChildren(...fresh.childNodes);
  }
  if (fresh.dataset.pollUrl) setTimeout(() => poll(panel, tries + 1), EVERY);
}

export function initDocumentStatus() {
  for (const panel of document.querySelectorAll('[data-module="app-document-status"]')) {
    setTimeout(() => poll(panel, 0), EVERY);
  }
}
