# Reads the output of `wrk --latency` and prints one line: requests per second, p50
# and p99 in milliseconds, and the count of answers that were not 2xx or 3xx.
function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
/Requests\/sec:/ { rps = $2 }
/^ +50%/ { p50 = ms($2) }
/^ +99%/ { p99 = ms($2) }
/Non-2xx or 3xx responses:/ { bad = $5 }
END { printf "%s %s %s %s\n", rps, p50, p99, (bad == "" ? 0 : bad) }
