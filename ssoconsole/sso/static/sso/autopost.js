// Post the AuthnRequest form to the identity provider as soon as the page is read
// (SAML Bindings 3.5.4 allows a script to submit it). A file, not an inline script,
// so that a Content-Security-Policy without 'unsafe-inline' keeps working; without
// JavaScript the person presses the Continue button.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var form = document.getElementById("saml-authn-request");
  if (form) { form.submit(); }
});
