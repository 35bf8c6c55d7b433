/// <reference path="../pb_data/types.d.ts" />
// PLANTED VULNERABILITY (pbguard attack suite, article pattern 6, bug 1):
// the role is decided by a flag the client sends in the request body.
onRecordCreateRequest((e) => {
  if (e.record.get("isAdmin")) {
    e.record.set("role", "admin"); // escalation
  } else {
    e.record.set("role", "member");
  }
  e.next();
}, "memberships");
