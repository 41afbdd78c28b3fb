// The workshop's YAML editor: CodeMirror 6 over a plain <textarea data-yaml-editor>.
// Without JavaScript the textarea is the editor. With it, the textarea stays in the form (hidden)
// and holds the editor's text, so plain posts and htmx requests send what is typed; every change
// fires an `input` event on it (htmx validates the text, debounced, from that). After htmx swaps
// the list of problems (`[data-problems] [data-line]`), the editor marks those lines.
import { EditorView, basicSetup } from "codemirror";
import { yaml } from "@codemirror/lang-yaml";
import { setDiagnostics, lintGutter } from "@codemirror/lint";

function problems(list) {
  var out = [];
  list.querySelectorAll("[data-line]").forEach(function (item) {
    var line = parseInt(item.dataset.line, 10);
    if (line > 0) out.push({ line: line, message: item.dataset.message || item.textContent.trim() });
  });
  return out;
}

function mark(view, list) {
  var doc = view.state.doc;
  var diagnostics = problems(list).map(function (p) {
    var line = doc.line(Math.min(p.line, doc.lines));
    return { from: line.from, to: line.to, severity: "error", message: p.message };
  });
  view.dispatch(setDiagnostics(view.state, diagnostics));
}

function attach(textarea) {
  if (textarea.dataset.editorReady) return;
  textarea.dataset.editorReady = "1";
  var timer = null;
  var view = new EditorView({
    doc: textarea.value,
    extensions: [
      basicSetup,
      yaml(),
      lintGutter(),
      EditorView.lineWrapping,
      EditorView.editorAttributes.of({ class: "yaml-editor" }), // CodeMirror owns the root's class
      EditorView.contentAttributes.of({
        "aria-label": textarea.getAttribute("aria-label") || "YAML",
        "data-testid": "yaml-editor",
      }),
      EditorView.updateListener.of(function (update) {
        if (!update.docChanged) return;
        textarea.value = update.state.doc.toString();
        clearTimeout(timer);
        timer = setTimeout(function () {
          textarea.dispatchEvent(new Event("input", { bubbles: true }));
          textarea.dispatchEvent(new Event("change", { bubbles: true }));
        }, 50);
      }),
    ],
  });
  textarea.parentNode.insertBefore(view.dom, textarea);
  textarea.hidden = true;
  textarea.yamlView = view;
  // the structured form may rewrite the text (server answer): keep the editor in step
  textarea.addEventListener("workshop:replace", function () {
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: textarea.value } });
  });
  var target = document.querySelector(textarea.dataset.problems || "[data-problems]");
  if (target) mark(view, target);
  // the list is swapped whole (outerHTML): htmx:load fires on the new list, in the document
  function remark() {
    var list = document.querySelector(textarea.dataset.problems || "[data-problems]");
    if (list) mark(view, list);
  }
  document.addEventListener("htmx:load", remark);
  document.addEventListener("htmx:afterSettle", remark);
  // a click on a problem's line number moves the cursor there
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-goto-line]");
    if (!link) return;
    event.preventDefault();
    var n = parseInt(link.dataset.gotoLine, 10);
    var doc = view.state.doc;
    var line = doc.line(Math.max(1, Math.min(n, doc.lines)));
    view.dispatch({ selection: { anchor: line.from }, scrollIntoView: true });
    view.focus();
  });
}

function start() {
  document.querySelectorAll("textarea[data-yaml-editor]").forEach(attach);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
document.addEventListener("htmx:load", start);
