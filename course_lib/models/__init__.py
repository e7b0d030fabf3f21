"""Model families, one module each: autoencoders (every autoencoder, one contract), vae, gan, translation,
classifiers, priors, cluster_prior, parametric_map; and what they share: losses (Bernoulli NLL, loss trackers),
batches (unpacking fit() batches), conditioning (the label input), neighbour_pairs (mined pairs)."""
