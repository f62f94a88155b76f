# Asymmetric jitter: the request direction queues 10x more than the reply direction (same minimum delay), so a
# sample's error is not zero-mean: (1 ms - 100 us) / 2 = 450 us on average, 0 at the minimum delays.
id ASYM
describe up 100 us + Exp(1 ms), down 100 us + Exp(100 us)
duration 600 240
settle 25%
runs 3
poll 0 0
clock 0.001 20 0.001
up exp 100e-6 1e-3
down exp 100e-6 100e-6
