# -*- coding: utf-8 -*-
# Copyright (c) pbguard contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Confirm mode of pocketbase_audit (private; may change): failing findings checked by exploiting them
with throwaway, tagged principals and records that are removed whatever happens.

``runner`` orchestrates; ``transport`` sends (same origin, paced, 429 retried) and records redacted
evidence; ``records`` builds tagged record bodies from the live schema; ``principals`` creates throwaway
users; ``cleanup`` deletes what a run created, sweeps leftovers by tag and counts records; ``attacks``
holds one function per attack class on rules and files, ``accounts`` those on accounts (verification,
password length, look-alike identities).
"""
