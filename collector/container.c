/*
 * container.c — helpers of the collector's data model (container.h).
 */
#include "collector/container.h"

const char *
runtime_name(enum runtime r)
{
	switch (r) {
	case RUNTIME_DOCKER: return "docker";
	case RUNTIME_MESOS:  return "mesos";
	case RUNTIME_CGROUP: return "cgroup";
	}
	return "unknown";
}
