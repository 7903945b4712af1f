# requires-zest: reject
require "reject";
reject "Go away.";
