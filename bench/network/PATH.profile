# A path change: from a third of the run on, every packet takes 1 ms longer each way (the round trip grows by 2 ms;
# the true offset is unchanged), and from two thirds on the old path is back.
id PATH
describe 100 us + Exp(100 us), +1 ms each way from 33% to 67%
duration 600 240
settle 25%
runs 3
poll 0 0
clock 0.001 20 0.001
up exp 100e-6 100e-6
down exp 100e-6 100e-6
path-step 33% 1e-3 1e-3
path-step 67% -1e-3 -1e-3
