# A WAN: 10 ms + Exp(2 ms) each way, both clients polling every second.
id WAN
describe 10 ms + Exp(2 ms)
duration 600 240
settle 25%
runs 3
poll 0 0
clock 0.001 20 0.001
up exp 10e-3 2e-3
down exp 10e-3 2e-3
