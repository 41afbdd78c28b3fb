// The unit picker (templates/_unit_picker.html): the code field becomes a search box.
// As the page comes, the server's text field (named, holding the code) hands its name to the
// hidden field beside it and shows the unit's name; htmx asks /units/search as one types (the
// text goes as `q`), and the results list is a listbox: ↓ ↑ move, Enter or a tap picks, Esc
// closes. Picking puts the code in the hidden field and fires `change` on it (filter forms
// listen for that). Typing without picking sends what was typed, so the server names a code it
// does not know. No inline script: the CSP forbids it.
(function () {
  function parts(el) {
    var box = el.closest("[data-unit-picker]");
    if (!box) return null;
    return {
      box: box,
      input: box.querySelector("input[type=text]"),
      value: box.querySelector("input.unit-value"),
      list: document.getElementById(box.querySelector("input[type=text]").id + "-options"),
    };
  }

  function setup(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    var input = box.querySelector("input[type=text]");
    var value = box.querySelector("input.unit-value");
    var hint = box.querySelector("[data-unit-hint]");
    value.disabled = false;
    value.value = input.value;
    input.removeAttribute("name");
    if (input.dataset.label) input.value = input.dataset.label;
    input.placeholder = input.dataset.searchPlaceholder || input.placeholder;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", input.id + "-options");
    if (hint) hint.textContent = hint.dataset.searchHint;
  }

  function setupAll(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("[data-unit-picker]").forEach(setup);
  }

  function choices(p) {
    return p.list ? Array.prototype.slice.call(p.list.querySelectorAll("[role=option]:not([aria-disabled=true])")) : [];
  }

  function show(p, open) {
    if (!p.list) return;
    open = open && p.list.children.length > 0;
    p.list.hidden = !open;
    p.input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) p.input.removeAttribute("aria-activedescendant");
  }

  function mark(p, option) {
    choices(p).forEach(function (o) { o.setAttribute("aria-selected", o === option ? "true" : "false"); });
    if (option) {
      p.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }
  }

  function pick(p, option) {
    p.value.value = option.dataset.code;
    p.input.value = option.dataset.label;
    p.input.dataset.label = option.dataset.label;
    // as attributes too: htmx's history snapshot of the page keeps attributes, not typed values
    p.value.setAttribute("value", option.dataset.code);
    p.input.setAttribute("value", option.dataset.label);
    show(p, false);
    p.value.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("keydown", function (e) {
    var p = e.target.matches && e.target.matches("[data-unit-picker] input[role=combobox]") ? parts(e.target) : null;
    if (!p) return;
    var all = choices(p);
    var current = p.list ? p.list.querySelector("[aria-selected=true]") : null;
    var open = p.list && !p.list.hidden;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (!all.length) return;
      show(p, true);
      var i = all.indexOf(current) + (e.key === "ArrowDown" ? 1 : -1);
      if (i < 0) i = all.length - 1;
      if (i >= all.length) i = 0;
      mark(p, all[i]);
    } else if (e.key === "Enter" && open && (current || all.length === 1)) {
      e.preventDefault(); // pick, do not send the form
      pick(p, current || all[0]);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      show(p, false);
    }
  });

  document.addEventListener("input", function (e) {
    var p = e.target.matches && e.target.matches("[data-unit-picker] input[role=combobox]") ? parts(e.target) : null;
    if (!p) return;
    // not picked (yet): the form sends what is typed, and the server says if it is no code
    p.value.value = p.input.value.trim();
    delete p.input.dataset.label;
    if (!p.value.value) {
      show(p, false);
      p.value.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  // a tap or click picks; mousedown keeps the focus in the field
  document.addEventListener("mousedown", function (e) {
    if (e.target.closest && e.target.closest(".unit-options [role=option]")) e.preventDefault();
  });
  document.addEventListener("click", function (e) {
    var option = e.target.closest && e.target.closest(".unit-options [role=option]");
    if (!option || option.getAttribute("aria-disabled") === "true") return;
    var input = document.querySelector("[aria-controls='" + option.parentNode.id + "']");
    if (input) pick(parts(input), option);
  });

  document.addEventListener("focusout", function (e) {
    var p = e.target.matches && e.target.matches("[data-unit-picker] input[role=combobox]") ? parts(e.target) : null;
    if (p) setTimeout(function () { if (document.activeElement !== p.input) show(p, false); }, 150);
  });

  document.addEventListener("htmx:configRequest", function (e) {
    var el = e.detail.elt;
    if (el.matches && el.matches("[data-unit-picker] input[role=combobox]")) e.detail.parameters.q = el.value;
  });

  document.addEventListener("htmx:afterSwap", function (e) {
    var el = (e.detail.requestConfig || {}).elt || e.detail.elt;
    if (!(el.matches && el.matches("[data-unit-picker] input[role=combobox]"))) return;
    var p = parts(el);
    // a late answer after a pick, or after the field was left, stays closed
    show(p, document.activeElement === el && !el.dataset.label && el.value.trim() !== "");
  });

  document.addEventListener("htmx:load", function (e) { setupAll(e.detail.elt); });
  setupAll(document);
})();
