/// <reference path="../pb_data/types.d.ts" />
// PLANTED VULNERABILITY (pbguard attack suite, article pattern 6, bug 2):
// the server calls whatever URL the client stored in the record (SSRF).
onRecordCreateRequest((e) => {
  e.next();
  const url = e.record.get("url");
  try {
    $http.send({ url: url, method: "POST", body: JSON.stringify({ id: e.record.id }), timeout: 5 });
  } catch (err) {
    console.log("webhook failed", err);
  }
}, "webhooks");
