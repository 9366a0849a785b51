"""Text contours: psycholinguistic features measured window by window across each text
(Kerz et al. 2022), with per-document and per-author summaries."""
