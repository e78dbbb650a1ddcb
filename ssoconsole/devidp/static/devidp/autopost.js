// Submit the SAML response form at once (SAML Bindings 3.5.5.1 allows a script to do so);
// without JavaScript the user presses Continue.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("saml-post");
  if (form) { form.submit(); }
});
