// Progressive enhancement only: every action here also works through a plain form without JavaScript.
(function () {
  "use strict";

  // Move focus to a refusal or confirmation so screen readers announce it (GOV.UK error summary pattern).
  function focusNotice(root) {
    var notice = (root || document).querySelector("[data-autofocus]");
    if (notice) notice.focus();
  }
  document.addEventListener("DOMContentLoaded", function () { focusNotice(document); });
  document.addEventListener("htmx:afterSettle", function (event) { focusNotice(event.target); });

  // Drag a member onto another hub: fills and submits the same form the keyboard path uses.
  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    var member = event.target.closest && event.target.closest(".mw-member");
    if (!member) return;
    dragged = member;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", member.dataset.participant);
  });
  document.addEventListener("dragover", function (event) {
    var hub = event.target.closest && event.target.closest(".mw-hub");
    if (!dragged || !hub || hub.dataset.hub === dragged.dataset.hub) return;
    event.preventDefault();
    hub.classList.add("mw-hub--target");
  });
  document.addEventListener("dragleave", function (event) {
    var hub = event.target.closest && event.target.closest(".mw-hub");
    if (hub) hub.classList.remove("mw-hub--target");
  });
  document.addEventListener("drop", function (event) {
    var hub = event.target.closest && event.target.closest(".mw-hub");
    if (!dragged || !hub || hub.dataset.hub === dragged.dataset.hub) return;
    event.preventDefault();
    var form = document.getElementById("mw-drop-form");
    var board = window.location.pathname.split("/")[2];
    var year = new URLSearchParams(window.location.search).get("year");
    form.action = "/boards/" + board + "/hubs/" + dragged.dataset.hub + "/moves" + (year ? "?year=" + year : "");
    form.elements.participant_id.value = dragged.dataset.participant;
    form.elements.to_hub_id.value = hub.dataset.hub;
    dragged = null;
    form.submit();
  });
  document.addEventListener("dragend", function () {
    dragged = null;
    document.querySelectorAll(".mw-hub--target").forEach(function (h) { h.classList.remove("mw-hub--target"); });
  });
})();
