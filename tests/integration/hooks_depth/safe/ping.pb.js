/// <reference path="../pb_data/types.d.ts" />
// SAFE TWIN of PBG-HOK-007: the command has a fixed argv; the client value never reaches it.
routerAdd("GET", "/api/pbg/ping", (e) => {
  const host = e.request.url.query().get("host") || "";
  const re = /^[a-z]+:\/\//; let out = toString($os.cmd("echo", "pinging").output());
  return e.json(200, { out: out.trim(), scheme: re.test(host) });
}, $apis.requireAuth("users"));
