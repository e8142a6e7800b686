// Suggestions and instant results as you type: a progressive enhancement of every search
// box that has a data-suggest URL. Without this script the form still searches; with it,
// the box becomes an ARIA combobox listing questions whose words start with what was
// typed and, for a box with data-results="N", the first N results of the search so far
// and a last option that opens them all. Choosing a question or a result opens its
// passage in the source. No HTML strings: text goes in as text.
(function () {
  "use strict";

  var DELAY_MS = 120;
  var counter = 0;

  function enhance(input) {
    var url = input.getAttribute("data-suggest");
    var wanted = parseInt(input.getAttribute("data-results") || "0", 10) || 0;
    // The list spans the whole row of the form (the box and its button): on a phone the
    // box alone is too narrow for results.
    var field = input.closest(".search-row") || input.parentElement;
    var listId = input.id + "-suggestions";
    var list = document.createElement("ul");
    var status = document.createElement("div");
    var timer = null;
    var controller = null;
    var options = [];
    var active = -1;

    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", wanted ? "Suggestions and results" : "Suggested questions");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    field.appendChild(list);
    field.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function select(index) {
      options.forEach(function (option, i) {
        option.element.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].element.id);
        options[index].element.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function appendMarked(parent, text, highlights) {
      var position = 0;
      (highlights || []).forEach(function (span) {
        if (span[0] > position) {
          parent.appendChild(document.createTextNode(text.slice(position, span[0])));
        }
        var mark = document.createElement("mark");
        mark.textContent = text.slice(span[0], span[1]);
        parent.appendChild(mark);
        position = Math.max(position, span[1]);
      });
      parent.appendChild(document.createTextNode(text.slice(position)));
    }

    function span(className, text) {
      var element = document.createElement("span");
      element.className = className;
      element.textContent = text;
      return element;
    }

    // One option of the list; ``fill`` puts its content in.
    function option(parent, target, className, fill) {
      var item = document.createElement("li");
      item.id = listId + "-" + options.length;
      item.className = className;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      fill(item);
      // Keep the focus in the box while the pointer is down on an option.
      item.addEventListener("mousedown", function (event) { event.preventDefault(); });
      item.addEventListener("click", function () { window.location.assign(target); });
      parent.appendChild(item);
      options.push({ element: item, url: target });
    }

    function group(label) {
      var wrapper = document.createElement("li");
      var title = document.createElement("div");
      var members = document.createElement("ul");
      var id = listId + "-group-" + list.children.length;
      wrapper.setAttribute("role", "presentation");
      title.id = id;
      title.className = "group-label";
      title.setAttribute("role", "presentation");
      title.textContent = label;
      members.setAttribute("role", "group");
      members.setAttribute("aria-labelledby", id);
      wrapper.appendChild(title);
      wrapper.appendChild(members);
      list.appendChild(wrapper);
      return members;
    }

    function show(data) {
      var suggestions = data.suggestions || [];
      var results = data.results || [];
      list.textContent = "";
      options = [];
      if (suggestions.length) {
        var questions = wanted ? group("Questions") : list;
        suggestions.forEach(function (suggestion) {
          option(questions, suggestion.url, "suggestion", function (item) {
            appendMarked(item, suggestion.question, suggestion.highlights);
            if (suggestion.title) {
              item.appendChild(span("suggestion-source", suggestion.title));
            }
          });
        });
      }
      if (results.length) {
        var found = group(data.no_close_match ? "Nearest results" : "Results");
        results.forEach(function (result) {
          option(found, result.url, "instant-result", function (item) {
            var text = span("instant-text", "");
            if (result.question) {
              text.appendChild(document.createTextNode(result.question + " — "));
            }
            appendMarked(text, result.snippet, result.highlights);
            item.appendChild(text);
            item.appendChild(span("suggestion-source", result.title || result.source));
          });
        });
        if (data.search_url) {
          option(found, data.search_url, "see-all", function (item) {
            item.textContent = "See all " + data.total_label + " result" +
              (data.total === 1 ? "" : "s");
          });
        }
      }
      active = -1;
      if (options.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        status.textContent = options.length + (options.length === 1 ? " option" : " options") +
          ". Use the up and down arrows to choose.";
      } else {
        close();
        status.textContent = "";
      }
    }

    function fetchSuggestions() {
      var typed = input.value;
      if (!typed.trim()) {
        show({});
        return;
      }
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      var request = url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(typed) +
        (wanted ? "&limit=4&results=" + wanted : "");
      fetch(request, { signal: controller.signal, headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : {}; })
        .then(function (data) {
          if (input.value === typed && document.activeElement === input) {
            show(data);
          }
        })
        .catch(function (error) {
          if (error.name !== "AbortError") {
            show({});
          }
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      if (list.hidden || !options.length) {
        if (event.key === "ArrowDown" && input.value.trim()) {
          fetchSuggestions();
          event.preventDefault();
        }
        return;
      }
      if (event.key === "ArrowDown") {
        select((active + 1) % options.length);
        event.preventDefault();
      } else if (event.key === "ArrowUp") {
        select(active <= 0 ? options.length - 1 : active - 1);
        event.preventDefault();
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.assign(options[active].url);
      } else if (event.key === "Escape") {
        close();
        event.preventDefault();
      }
    });

    input.addEventListener("blur", close);
  }

  function start() {
    var inputs = document.querySelectorAll("input[data-suggest]");
    Array.prototype.forEach.call(inputs, function (input) {
      if (!input.id) {
        counter += 1;
        input.id = "search-" + counter;
      }
      enhance(input);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
