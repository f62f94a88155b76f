# A LAN: 100 us + Exp(100 us) each way, both clients polling every second.
id LAN
describe 100 us + Exp(100 us)
duration 600 240
settle 25%
runs 3
poll 0 0
clock 0.001 20 0.001
up exp 100e-6 100e-6
down exp 100e-6 100e-6
