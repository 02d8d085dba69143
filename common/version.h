/*
 * version.h — the release every program reports with --version.
 *
 * HOIST_VERSION comes from the one VERSION variable in the Makefile
 * (-DHOIST_VERSION="x.y.z"); debian/changelog carries the same number and
 * `make check-version` fails when the two differ.  There is no fallback:
 * a build that does not set it is a build error, not a binary that says
 * "unknown".
 */
#ifndef HOIST_VERSION_H
#define HOIST_VERSION_H

#ifndef HOIST_VERSION
#error "HOIST_VERSION is not defined: build through the Makefile (VERSION=)"
#endif

#endif
