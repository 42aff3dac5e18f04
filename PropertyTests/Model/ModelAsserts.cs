// The assertion every user-input test of the model side makes: the error is a ModelInputException
// whose message is one line and contains each given fragment (the file, the field or tensor, …).
using MoeFromScratch.Model;

namespace MoeFromScratch.PropertyTests.Model;

internal static class ModelAsserts
{
    public static void OneLineError(Action action, params string[] fragments)
    {
        var e = Assert.ThrowsAny<ModelInputException>(action);
        Assert.DoesNotContain('\n', e.Message);
        foreach (var fragment in fragments)
            Assert.True(e.Message.Contains(fragment, StringComparison.Ordinal), $"message \"{e.Message}\" lacks \"{fragment}\"");
    }
}
