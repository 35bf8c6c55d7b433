# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FIL controls: file fields, S3 storage and directory listing.

Private module_utils: the interface may change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit import proxyconf, sources
from ansible_collections.pbguard.pocketbase.plugins.module_utils._audit.engine import NotApplicable, bad, control, ok


@control("PBG-FIL-001", title="File fields protected where records are not public",
         severity="high", scope="api", profile="baseline",
         source=sources.P5 + "; " + sources.CL_FILES,
         rationale="Unprotected files are downloadable by anyone with the URL even when the record is private.",
         remediation="Set `protected: true` on file fields of non-public collections (file tokens then apply).")
def check_fil_protected(ctx):
    """Fails per unprotected file field of a collection whose records are not public (viewRule not
    empty)."""
    out = []
    n = 0
    for coll in ctx.collections():
        view = (coll.get("rules") or {}).get("viewRule")
        for field in coll.get("fields") or []:
            if field.get("type") != "file":
                continue
            n += 1
            target = "collection:%s.%s" % (coll.get("name"), field.get("name"))
            if view == "":
                out.append(ok(target, "records are public; unprotected files match"))
            elif field.get("protected"):
                out.append(ok(target, "protected"))
            else:
                out.append(bad(target, "file field not protected while records are not public: anyone with the "
                                       "URL can download"))
    if n == 0:
        raise NotApplicable("no file field")
    return out


@control("PBG-FIL-002", title="S3 storage over HTTPS with a bucket", severity="medium", scope="api", profile="strict",
         source=sources.P5 + "; " + sources.CL_FILES,
         rationale="Files and backups travel to and sit in the S3 bucket.",
         remediation="Use an https:// endpoint, a private bucket and dedicated credentials.")
def check_fil_s3(ctx):
    """Fails per enabled S3 storage (files, backups) with a non-HTTPS endpoint or without a bucket;
    not applicable when S3 is off."""
    s3 = ctx.setting("s3") or {}
    backups_s3 = ctx.setting("backups", "s3") or {}
    out = []
    for name, conf in (("s3", s3), ("backups.s3", backups_s3)):
        if not conf.get("enabled"):
            continue
        endpoint = conf.get("endpoint") or ""
        target = "setting:%s" % name
        if endpoint and not endpoint.lower().startswith("https://"):
            out.append(bad(target, "S3 endpoint %s is not HTTPS" % endpoint))
        elif not conf.get("bucket"):
            out.append(bad(target, "S3 enabled without a bucket"))
        else:
            out.append(ok(target, "S3 over HTTPS to bucket %s" % conf.get("bucket")))
    if not out:
        raise NotApplicable("S3 storage not enabled")
    return out


@control("PBG-FIL-003", title="No directory listing at the proxy",
         severity="medium", scope="host", profile="baseline",
         source=sources.P5 + "; " + sources.CL_FILES,
         rationale="Directory listing of pb_public or storage enables enumeration.",
         remediation="Remove `file_server browse` (Caddy) / `autoindex on` (nginx).")
def check_fil_listing(ctx):
    """Fails per proxy config that enables directory listing (Caddy file_server browse, nginx
    autoindex on)."""
    configs = proxyconf.proxy_text(ctx)
    out = []
    for path, text in sorted(configs.items()):
        if re.search(r"file_server\s+browse|autoindex\s+on", text):
            out.append(bad("proxy:" + path, "directory listing enabled"))
    return out or [ok("proxy", "no directory listing in %d proxy file(s)" % len(configs))]
