// Starts the Yasgui editor on this endpoint, one tab per example query.
// Remote autocompleters (prefix.cc, LOV) are off: the page works without the internet.
(function () {
  "use strict";
  var holder = document.getElementById("yasgui");
  if (!holder || typeof Yasgui === "undefined") {
    return;
  }
  var examples = JSON.parse(document.getElementById("kiezgraph-examples").textContent);
  Yasgui.Yasqe.defaults.autocompleters = ["variables"];
  var yasgui = new Yasgui(holder, {
    requestConfig: { endpoint: "/sparql", method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: null,
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: "/sparql" }]; } },
  });
  var first = Object.keys(yasgui._tabs || {});
  examples.forEach(function (example, index) {
    var config = Object.assign({}, Yasgui.Tab.getDefaults(), {
      name: example.name,
      yasqe: { value: example.query },
      requestConfig: { endpoint: "/sparql", method: "POST" },
    });
    yasgui.addTab(index === 0, config);
  });
  first.forEach(function (id) {
    var tab = yasgui.getTab(id);
    if (tab && examples.length) {
      tab.close();
    }
  });
})();
