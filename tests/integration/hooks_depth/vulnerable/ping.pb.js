/// <reference path="../pb_data/types.d.ts" />
// PLANTED VULNERABILITY (PBG-HOK-007): a query value reaches a shell through a helper and an alias
// of $os with a bracket call; `host=x;touch /tmp/marker` runs a command.
// (PocketBase runs each handler in its own context: helpers live inside the handler.)
routerAdd("GET", "/api/pbg/ping", (e) => {
  function ping(target) {
    const sys = $os;
    return sys["cmd"]("sh", "-c", "echo pinging " + target).output();
  }
  const host = e.request.url.query().get("host") || "";
  const re = /^[a-z]+:\/\//; let out = toString(ping(host)); // a regex literal with // before the sink
  return e.json(200, { out: out.trim(), scheme: re.test(host) });
}, $apis.requireAuth("users"));
