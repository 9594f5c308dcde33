"""The pages' named figures, 園内にいる保護者 and the scans' heatmap."""
