# The server's clock steps 1 ms ahead mid-run (the routers rewrite its replies' timestamps); the error is measured
# against the server, so after the step both clients must follow it.
id SSTEP
describe 100 us + Exp(100 us), server +1 ms at 50%
duration 600 240
settle 25%
runs 3
poll 0 0
clock 0.001 20 0.001
up exp 100e-6 100e-6
down exp 100e-6 100e-6
server-step 50% 1e-3
