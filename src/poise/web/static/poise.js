// Poise's own small scripts: pages work without them; they only keep live parts fresh.
"use strict";

function csrfToken() {
  const field = document.querySelector('input[name="csrf_token"]');
  return field ? field.value : "";
}

// Background jobs: an element with data-job-id is a job's status as the page drew it (its
// data-status), on the import page's Signals cell and the admin Jobs pages alike. While the job
// is queued or running, poll GET /api/v1/jobs/{id} and redraw what a reload would show of it,
// in its closest [data-job] (a row, a card; else the status's parent):
//   - the status: in the import page's words when data-job-words="scoring" (scored, scoring
//     40%, queued), else the bare status and its job-status-* colour; an ended job's detail
//     becomes its title, the reason as on a reload;
//   - [data-job-progress]: the bar and its counts, as job_pages/_progress.html draws them;
//   - [data-job-detail]: the first line of the detail, cut at its data-width;
//   - a Cancel form: gone once the job has ended, when polling stops too.
const JOB_ENDED = ["done", "failed", "cancelled", "interrupted"];

function jobWords(el, job) {
  if (el.dataset.jobWords !== "scoring") return job.status;
  if (job.status === "done") return "scored";
  if (JOB_ENDED.includes(job.status)) return job.status;
  return job.status === "running" ? `scoring ${job.percent}%` : "queued";
}

function drawJobStatus(el, job) {
  el.dataset.status = job.status;
  el.textContent = jobWords(el, job);
  for (const name of [...el.classList]) {
    if (name.startsWith("job-status-")) el.classList.replace(name, `job-status-${job.status}`);
  }
  if (JOB_ENDED.includes(job.status) && job.status !== "done") el.title = job.detail;
}

function drawJobProgress(slot, job) {
  const number = (n) => n.toLocaleString("en-US");
  if (!job.total) {
    slot.textContent = job.done ? number(job.done) : "—";
    return;
  }
  const bar = document.createElement("progress");
  bar.value = job.done;
  bar.max = job.total;
  bar.setAttribute("aria-label", `Job ${job.id}: ${job.percent}% done`);
  bar.textContent = `${job.percent}%`;
  const shown = document.createElement("span");
  shown.className = "job-progress";
  shown.append(bar, ` ${number(job.done)}/${number(job.total)} (${job.percent}%)`);
  slot.replaceChildren(shown);
}

function drawJobDetail(slot, job) {
  const width = Number(slot.dataset.width) || Infinity;
  const line = job.detail.split(/\r?\n/)[0];
  slot.textContent = !line ? "—" : line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

function pollJobs() {
  document.querySelectorAll("[data-job-id]").forEach((el) => {
    if (JOB_ENDED.includes(el.dataset.status)) return;
    const parts = el.closest("[data-job]") || el.parentElement;
    const tick = async () => {
      const response = await fetch(`/api/v1/jobs/${el.dataset.jobId}`, { credentials: "same-origin" });
      if (!response.ok) return;
      const job = await response.json();
      drawJobStatus(el, job);
      parts.querySelectorAll("[data-job-progress]").forEach((slot) => drawJobProgress(slot, job));
      parts.querySelectorAll("[data-job-detail]").forEach((slot) => drawJobDetail(slot, job));
      if (!JOB_ENDED.includes(job.status)) setTimeout(tick, 1500);
      else parts.querySelectorAll('form[action$="/cancel"]').forEach((f) => f.remove());
    };
    setTimeout(tick, 1000);
  });
}

document.addEventListener("DOMContentLoaded", pollJobs);

// A link to one message of a long thread written as "#m123" alone lands on a fold when the
// message is folded away: ask the page for the turns around it (?message=123), which the
// server answers for links that name it.
function openFoldedMessage() {
  const thread = document.querySelector("[data-thread]");
  const wanted = /^#m(\d+)$/.exec(window.location.hash);
  if (!thread || !wanted || document.getElementById(`m${wanted[1]}`)) return;
  const url = new URL(window.location.href);
  if (url.searchParams.get("message") === wanted[1]) return;  // not in this thread
  url.searchParams.delete("start");
  url.searchParams.set("message", wanted[1]);
  window.location.replace(url.toString());
}

document.addEventListener("DOMContentLoaded", openFoldedMessage);
window.poise = { csrfToken };

// The assist panel: ask the assist API every few seconds; reload the panel when a new turn
// has arrived (the server renders it, so there is one template for both paths). While the
// keyboard is in the panel or the thread (typing a purpose, on a link), they are not swapped
// under it: that threw the focus, and what was typed, away. The swap waits until it leaves;
// then #assist-news (a status region outside both) says the panel changed, for screen readers.
function watchAssist() {
  if (!document.getElementById("assist-panel")) return;
  const swapped = ["assist-panel", "assist-thread"];
  const tick = async () => {
    const panel = document.getElementById("assist-panel");
    const busy = swapped.some((id) => {
      const el = document.getElementById(id);
      return el && el.contains(document.activeElement);
    });
    if (busy) {
      setTimeout(tick, 2000);
      return;
    }
    try {
      const response = await fetch("/api/v1/assist", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
        body: JSON.stringify({ conversation_id: Number(panel.dataset.conversationId) }),
      });
      if (response.ok) {
        const data = await response.json();
        if (data.turns !== Number(panel.dataset.turns)) {
          const page = await fetch(window.location.href, { credentials: "same-origin" });
          const doc = new DOMParser().parseFromString(await page.text(), "text/html");
          for (const id of swapped) {
            const fresh = doc.getElementById(id);
            if (fresh) document.getElementById(id).replaceWith(fresh);
          }
          const news = document.getElementById("assist-news");
          if (news) news.textContent = "A new message arrived: the assist panel is up to date.";
        }
      }
    } finally {
      setTimeout(tick, 2000);
    }
  };
  setTimeout(tick, 2000);
}

document.addEventListener("DOMContentLoaded", watchAssist);

// "Go back" links: the previous page when there is one (the link itself goes home). A script
// of ours, not a javascript: URL, which the Content-Security-Policy refuses.
document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("a[data-back]") : null;
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});

// A POST form goes once: as it is sent, its submit buttons are disabled, so a double click on
// "Save" (or an impatient second one) sends one request, not two rows. A form that a script
// of its own handles (it prevents the default) is left alone, as is one that opens elsewhere.
// The buttons are disabled on the next tick: disabled at once, the button clicked would drop
// out of what the form sends (its name and value).
function submitOnce(event) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
  const method = (event.submitter && event.submitter.getAttribute("formmethod")) || form.method;
  if (method.toLowerCase() !== "post" || (form.target && form.target !== "_self")) return;
  if (form.dataset.sending) {
    event.preventDefault();
    return;
  }
  form.dataset.sending = "1";
  setTimeout(() => {
    for (const control of form.elements) {
      if (control.type === "submit" && !control.disabled) {
        control.disabled = true;
        control.dataset.disabledWhileSending = "1";
      }
    }
  }, 0);
}

// Back to a page kept in the back/forward cache: its forms were left sending; they may go again.
function readyToSendAgain(event) {
  if (!event.persisted) return;
  for (const form of document.querySelectorAll("form[data-sending]")) {
    delete form.dataset.sending;
    for (const control of form.elements) {
      if (control.dataset.disabledWhileSending) {
        control.disabled = false;
        delete control.dataset.disabledWhileSending;
      }
    }
  }
}

document.addEventListener("submit", submitOnce);
window.addEventListener("pageshow", readyToSendAgain);
