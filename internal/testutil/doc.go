// Package testutil holds the test fixtures shared by the unit and
// acceptance tests (STYLE.md §6 "Real components over mocks"): a real
// docker-registry on 127.0.0.1 (StartRegistry, LaunchRegistry), an
// in-process registry for unit tests (InProcessRegistry), base images built
// from the machine's busybox-static binary (BusyboxImage) and helpers to
// push and pull them (Push, Pull, Digest).
//
// Only tests import it. The programs it runs come from Debian packages that
// scripts/test-setup.sh installs (`make setup`); a fixture whose program is
// missing fails the test with a message saying so, it never skips.
package testutil
