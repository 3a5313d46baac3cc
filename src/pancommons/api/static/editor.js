/* PaN Commons query editor: YASGUI on this server's /sparql, prefilled with the named queries.
   Only this server is contacted: the class/property autocompleters (LOV API) are off. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("pancommons-editor-config").textContent);
  var byName = {};
  config.queries.forEach(function (q) { byName[q.name] = q; });

  function start() {
    var Yasgui = window.Yasgui;
    Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
    var first = config.queries.length ? config.queries[0] : null;
    var yasgui = new Yasgui(document.getElementById("yasgui"), {
      requestConfig: { endpoint: config.endpoint, method: "POST" },
      copyEndpointOnNewTab: true,
      persistenceId: null,
      populateFromUrl: true,
      autofocus: false,
      endpointCatalogueOptions: {
        getData: function () { return [{ endpoint: config.endpoint }]; },
        keys: [],
        renderItem: function (data, source) {
          var el = document.createElement("span");
          el.textContent = data.value.endpoint;
          source.appendChild(el);
        },
      },
      yasqe: { autocompleters: ["prefixes", "variables"] },
    });
    window.pancommonsYasgui = yasgui;

    function load(name) {
      var q = byName[name];
      var tab = yasgui.getTab();
      if (!q || !tab) { return; }
      tab.setEndpoint(config.endpoint);
      tab.setQuery(q.text);
      tab.setName(q.title.length > 40 ? q.title.slice(0, 39) + "…" : q.title);
      document.querySelectorAll("button.named-query").forEach(function (b) {
        b.classList.toggle("active", b.getAttribute("data-query") === name);
      });
    }
    document.querySelectorAll("button.named-query").forEach(function (b) {
      b.addEventListener("click", function () { load(b.getAttribute("data-query")); });
    });
    // IRIs in the results open their landing page on this server, not the remote IRI.
    document.getElementById("yasgui").addEventListener("click", function (event) {
      var a = event.target.closest ? event.target.closest(".yasr a.iri") : null;
      if (!a || !/^https?:/.test(a.href)) { return; }
      event.preventDefault();
      event.stopPropagation();
      window.open(config.describe + encodeURIComponent(a.href), "_blank", "noopener");
    }, true);
    var tab = yasgui.getTab();
    if (first && tab && !/[?&#]query=/.test(window.location.href)) { load(first.name); }
    document.body.setAttribute("data-editor-ready", "true");
  }

  if (window.Yasgui) { start(); } else { window.addEventListener("DOMContentLoaded", start); }
})();
