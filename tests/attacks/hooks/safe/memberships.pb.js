/// <reference path="../pb_data/types.d.ts" />
// Hardened: the role is never taken from client data; admins are granted by superusers only.
onRecordCreateRequest((e) => {
  e.record.set("isAdmin", false);
  e.record.set("role", "member");
  e.next();
}, "memberships");
