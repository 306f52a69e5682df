// The CPU attacker of `isolation.sh`: every request spins until its CPU limit stops it.
export default {
  fetch() {
    for (;;) {}
  },
};
