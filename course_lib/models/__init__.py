"""Model families, one module each (autoencoders, vae, gan, translation, classifiers, priors)."""
